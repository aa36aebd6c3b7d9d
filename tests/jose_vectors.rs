//! Runs the JOSE vectors (`rfc-vectors/rfc7515`, `rfc7638`, `rfc8037`,
//! `rfc9068`; format in `rfc-vectors/README.md`): RFC example JWSs verify,
//! the deterministic ones are signed byte for byte, thumbprints match, and
//! RFC 9068 tokens meet the resource server's §4 checks with exact
//! RFC 6750 answers.

#[path = "rfc_vectors/jose_dirs.rs"]
mod jose_dirs;
#[path = "jose_support/mod.rs"]
mod jose_support;

use std::path::Path;

use jose_support::{b64, public_part, raw_sign, signing_input, signing_key};
use qscope::jose::{AccessTokenClaims, Algorithm, JwkSet, PublicJwk, sign, verify};
use qscope::resource::JwtAccessVerifier;
use qscope::{Reply, Scopes, Seconds, UnixTime};
use rand_chacha::rand_core::SeedableRng as _;
use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Vector {
    rfc: String,
    section: String,
    title: String,
    adapted: Option<String>,
    jose: Jose,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Jose {
    key: Map<String, Value>,
    alg: Option<String>,
    kid: Option<String>,
    #[serde(default)]
    other_keys: Vec<Value>,
    thumbprint: Option<String>,
    header: Option<String>,
    payload: Option<String>,
    claims: Option<Value>,
    jws: Option<String>,
    #[serde(default)]
    deterministic: bool,
    issuer: Option<String>,
    audience: Option<String>,
    now: Option<u64>,
    required_scopes: Option<String>,
    #[serde(default)]
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "lowercase")]
enum CaseSignature {
    /// Signed by the vector's key, by the RustCrypto crates directly.
    Key,
    /// An empty signature.
    None,
    /// Octets that are no signature.
    Garbage,
    /// The signature of the vector's own `jws`.
    Original,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    header: Option<String>,
    payload: Option<String>,
    signature: CaseSignature,
    issuer: Option<String>,
    audience: Option<String>,
    now: Option<u64>,
    leeway: Option<u64>,
    required_scopes: Option<String>,
    algorithms: Option<Vec<String>>,
    expect: CaseExpect,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseExpect {
    status: u16,
    www_authenticate: Option<String>,
    allowed: Option<Allowed>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Allowed {
    subject: Option<String>,
    client_id: String,
    scopes: String,
}

fn algorithm(name: &str) -> Algorithm {
    Algorithm::parse(name).unwrap_or_else(|e| panic!("alg {name}: {e}"))
}

/// Checks one vector; `Err` says what differs.
fn check(vector: &Vector) -> Result<(), String> {
    let jose = &vector.jose;
    let alg = jose.alg.as_deref();
    let mut public = PublicJwk::parse(&public_part(&jose.key, alg))
        .map_err(|e| format!("the public JWK is refused: {e}"))?;
    if let Some(kid) = &jose.kid {
        public = public.with_kid(kid);
    }
    if let Some(expected) = &jose.thumbprint
        && &public.thumbprint() != expected
    {
        return Err(format!("thumbprint {} (expected {expected})", public.thumbprint()));
    }
    let Some(jws) = &jose.jws else { return Ok(()) };
    let alg = algorithm(alg.ok_or("a JWS vector names its alg")?);
    let verified = verify(jws, &public, &[alg]).map_err(|e| format!("does not verify: {e}"))?;
    let header_part = jws.split('.').next().unwrap_or_default();
    if let Some(header) = &jose.header
        && header_part != b64(header.as_bytes())
    {
        return Err(format!("the protected header is not {header}"));
    }
    if let Some(payload) = &jose.payload
        && verified.payload != payload.as_bytes()
    {
        return Err(format!("payload {:?}", String::from_utf8_lossy(&verified.payload)));
    }
    if jose.deterministic {
        let mut key = signing_key(&jose.key, alg);
        if let Some(kid) = &jose.kid {
            key = key.with_kid(kid);
        }
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([7; 32]);
        let signed = match &jose.claims {
            Some(claims) => {
                let claims = AccessTokenClaims::from_json(claims.to_string().as_bytes())
                    .map_err(|e| format!("claims: {e}"))?;
                if Some(&claims.to_json()) != jose.payload.as_ref() {
                    return Err(format!("qscope writes the claims as {}", claims.to_json()));
                }
                claims.sign(&key, &mut rng)
            }
            None => {
                let payload = jose.payload.as_deref().ok_or("a signed vector has a payload")?;
                let typ = verified.header.typ.as_deref();
                sign(typ, payload.as_bytes(), &key, &mut rng)
            }
        };
        let signed = signed.map_err(|e| format!("signing failed: {e}"))?;
        if &signed != jws {
            return Err(format!("qscope signs {signed}"));
        }
    }
    for case in &jose.cases {
        run_case(vector, &public, case).map_err(|why| format!("case {:?}: {why}", case.name))?;
    }
    Ok(())
}

fn run_case(vector: &Vector, public: &PublicJwk, case: &Case) -> Result<(), String> {
    let jose = &vector.jose;
    let alg = algorithm(jose.alg.as_deref().ok_or("alg")?);
    let header = case.header.as_deref().or(jose.header.as_deref()).ok_or("header")?;
    let payload = case.payload.as_deref().or(jose.payload.as_deref()).ok_or("payload")?;
    let input = signing_input(header, payload);
    let signature = match case.signature {
        CaseSignature::Key => b64(&raw_sign(&jose.key, alg, input.as_bytes())),
        CaseSignature::None => String::new(),
        CaseSignature::Garbage => "AAAA".into(),
        CaseSignature::Original => {
            jose.jws.as_deref().and_then(|t| t.rsplit('.').next()).ok_or("jws")?.to_owned()
        }
    };
    let token = format!("{input}.{signature}");
    let mut keys = vec![public.clone()];
    for other in &jose.other_keys {
        keys.push(PublicJwk::parse(&other.to_string()).map_err(|e| format!("other key: {e}"))?);
    }
    let jwks = JwkSet::new(keys).map_err(|e| e.to_string())?;
    let issuer = case.issuer.as_ref().or(jose.issuer.as_ref()).ok_or("issuer")?;
    let audience = case.audience.as_ref().or(jose.audience.as_ref()).ok_or("audience")?;
    let mut verifier = JwtAccessVerifier::new(jwks, issuer, audience)
        .with_leeway(Seconds::new(case.leeway.unwrap_or(0)));
    if let Some(names) = &case.algorithms {
        verifier =
            verifier.with_algorithms(&names.iter().map(|n| algorithm(n)).collect::<Vec<_>>());
    }
    let required = case.required_scopes.as_ref().or(jose.required_scopes.as_ref());
    let required = Scopes::parse(required.map_or("", String::as_str)).map_err(|_| "scopes")?;
    let now = UnixTime::from_secs(case.now.or(jose.now).ok_or("now")?);
    let request = http::Request::get("/resource")
        .header("authorization", format!("Bearer {token}"))
        .body(Vec::new())
        .map_err(|e| e.to_string())?;
    let (status, challenge, allowed) = match verifier.verify_request(&request, &required, now) {
        Reply::Access(access) => (
            200,
            None,
            Some(Allowed {
                subject: access.subject,
                client_id: access.client_id,
                scopes: access.scopes.to_string(),
            }),
        ),
        Reply::Http(response) => (
            response.status().as_u16(),
            response.headers().get("www-authenticate").map(|v| v.to_str().unwrap_or("").to_owned()),
            None,
        ),
        other => return Err(format!("a bearer check ends in Access or Http, not {other:?}")),
    };
    let expect = &case.expect;
    if status != expect.status || challenge != expect.www_authenticate || allowed != expect.allowed
    {
        return Err(format!("got {status} {challenge:?} {allowed:?}"));
    }
    Ok(())
}

#[test]
fn every_jose_vector_holds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rfc-vectors");
    let mut files = Vec::new();
    for dir in jose_dirs::JOSE_DIRS {
        for entry in std::fs::read_dir(root.join(dir)).expect("a JOSE vector folder") {
            files.push(entry.expect("entry").path());
        }
    }
    files.sort();
    let mut failures = Vec::new();
    let mut cases = 0;
    for file in &files {
        let name = file.strip_prefix(&root).unwrap_or(file).display().to_string();
        let text = std::fs::read_to_string(file).expect("readable vector");
        let vector: Vector = match serde_json::from_str(&text) {
            Ok(vector) => vector,
            Err(e) => {
                failures.push(format!("{name}: does not parse: {e}"));
                continue;
            }
        };
        assert!(vector.rfc.starts_with("RFC "), "{name}: rfc");
        assert!(!vector.section.is_empty() && !vector.title.is_empty(), "{name}: section, title");
        assert!(vector.adapted.as_ref().is_none_or(|why| !why.trim().is_empty()), "{name}");
        cases += vector.jose.cases.len();
        if let Err(why) = check(&vector) {
            failures.push(format!("{name} ({} §{}): {why}", vector.rfc, vector.section));
        }
    }
    assert!(files.len() >= 6, "the JOSE vectors are missing");
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    println!("{} JOSE vectors with {cases} cases hold", files.len());
}
