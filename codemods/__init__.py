"""LibCST codemods that find legacy Walmart signing and rewrite the Marketplace scheme to
OAuth; ``codemods.registry.CODEMODS`` lists them in the order they run."""
