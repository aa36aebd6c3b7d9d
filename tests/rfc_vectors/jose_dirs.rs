/// The vector folders of the JOSE RFCs: their vectors have their own format
/// (a `jose` member; see `rfc-vectors/README.md`) and run in
/// `tests/jose_vectors.rs`, not through the HTTP runner.
pub(crate) const JOSE_DIRS: [&str; 4] = ["rfc7515", "rfc7638", "rfc8037", "rfc9068"];
