"""Analysis shared by the codemods: what each file signs, with which credentials, at which
header sites - collected per file, then joined across the repository into decisions."""
