import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * Behaves like Walmart's DigitalSignatureUtil jar for the tests:
 *   java -jar DigitalSignatureUtil-1.0.0.jar DigitalSignatureUtil URL CONSUMER_ID KEY METHOD OUT
 * prints "WM_SEC.AUTH_SIGNATURE:<sig>" and "WM_SEC.TIMESTAMP:<ms>" lines.
 */
public final class DigitalSignatureUtil {
    public static void main(String[] args) throws Exception {
        int offset = args.length > 0 && args[0].equals("DigitalSignatureUtil") ? 1 : 0;
        String url = args[offset];
        String consumerId = args[offset + 1];
        String key = args[offset + 2];
        String method = args[offset + 3].toUpperCase();
        String timestamp = Long.toString(System.currentTimeMillis());
        String text = consumerId + "\n" + url + "\n" + method + "\n" + timestamp + "\n";
        PrivateKey privateKey = KeyFactory.getInstance("RSA")
            .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(key.trim())));
        Signature signer = Signature.getInstance("SHA256withRSA");
        signer.initSign(privateKey);
        signer.update(text.getBytes(StandardCharsets.UTF_8));
        String signature = Base64.getEncoder().encodeToString(signer.sign());
        System.out.println("WM_SEC.AUTH_SIGNATURE:" + signature);
        System.out.println("WM_SEC.TIMESTAMP:" + timestamp);
    }
}
