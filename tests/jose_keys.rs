//! Signing keys over time (next → active → retired), the JWKS they
//! publish, several nodes agreeing without coordination, and keys held
//! outside the process (a KMS or HSM) answered through `SignRequest`.

#[path = "jose_support/mod.rs"]
mod jose_support;

use ed25519_dalek::Signer as _;
use jose_support::b64;
use qscope::jose::{
    Algorithm, JoseError, KeySet, KeySetError, KeyState, ManagedKey, PublicJwk, RotationPolicy,
    SignStep, Signer, SigningKey, verify_with_set,
};
use qscope::{Seconds, UnixTime};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng as _;

const T0: UnixTime = UnixTime::from_secs(1_700_000_000);
const POLICY: RotationPolicy =
    RotationPolicy { publish_ahead: Seconds::hours(6), retain_retired: Seconds::hours(2) };

fn at(offset: u64) -> UnixTime {
    UnixTime::from_secs(T0.as_secs() + offset)
}

fn key(alg: Algorithm, kid: &str, rng: &mut ChaCha20Rng) -> Signer {
    Signer::InProcess(SigningKey::generate(alg, rng).unwrap().with_kid(kid))
}

fn kids(set: &KeySet, now: UnixTime) -> Vec<String> {
    set.jwks(now).keys().iter().map(|k| k.kid().unwrap().to_owned()).collect()
}

#[test]
fn a_new_key_is_published_ahead_then_signs_and_the_old_one_is_retained_then_pruned() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut set = KeySet::new(POLICY);
    assert_eq!(set.active(T0).map(ManagedKey::kid), None);
    // The first key of an empty set signs at once.
    assert_eq!(set.publish(key(Algorithm::Es256, "k1", &mut rng), T0).unwrap().signs_from(), T0);
    assert_eq!(set.state("k1", T0), Some(KeyState::Active));

    let h = 3600;
    let k2 = set.publish(key(Algorithm::EdDsa, "k2", &mut rng), at(h)).unwrap();
    assert_eq!((k2.published_at(), k2.signs_from()), (at(h), at(7 * h)));
    for (t, active, published) in [
        (at(h), "k1", vec!["k1", "k2"]),
        (at(7 * h - 1), "k1", vec!["k1", "k2"]),
        (at(7 * h), "k2", vec!["k1", "k2"]),
        (at(9 * h - 1), "k2", vec!["k1", "k2"]),
        (at(9 * h), "k2", vec!["k2"]),
    ] {
        assert_eq!(set.active(t).unwrap().kid(), active, "at {t}");
        assert_eq!(kids(&set, t), published, "at {t}");
    }
    assert_eq!(set.state("k2", at(h)), Some(KeyState::Next));
    assert_eq!(set.state("k1", at(8 * h)), Some(KeyState::Retired));
    assert_eq!(set.state("k1", at(9 * h)), None);

    // Tokens follow the active key.
    for (t, kid) in [(at(h), "k1"), (at(7 * h), "k2")] {
        let SignStep::Signed(token) = set.begin_sign(Some("at+jwt"), b"{}", t, &mut rng).unwrap()
        else {
            panic!("in-process keys sign at once")
        };
        let verified = verify_with_set(&token, &set.jwks(t), &Algorithm::ALL).unwrap();
        assert_eq!(verified.header.kid.as_deref(), Some(kid));
    }

    assert!(set.prune(at(8 * h)).is_empty(), "k1 is still retained");
    let pruned = set.prune(at(9 * h));
    assert_eq!(pruned.iter().map(ManagedKey::kid).collect::<Vec<_>>(), ["k1"]);
    assert_eq!(set.keys().len(), 1);
}

#[test]
fn key_sets_refuse_ambiguous_keys_and_an_empty_schedule() {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let mut set = KeySet::new(POLICY);
    let anonymous =
        Signer::InProcess(SigningKey::generate(Algorithm::Es256, &mut rng).unwrap().without_kid());
    assert_eq!(set.publish(anonymous, T0).unwrap_err(), KeySetError::MissingKid);
    set.publish(key(Algorithm::Es256, "k1", &mut rng), T0).unwrap();
    assert_eq!(
        set.publish(key(Algorithm::Es256, "k1", &mut rng), at(1)).unwrap_err(),
        KeySetError::DuplicateKid
    );
    set.publish(key(Algorithm::Es256, "k2", &mut rng), at(1)).unwrap();
    assert_eq!(
        set.publish(key(Algorithm::Es256, "k3", &mut rng), at(1)).unwrap_err(),
        KeySetError::InvalidSchedule,
        "two keys cannot start signing at the same instant"
    );
    let early = ManagedKey::new(key(Algorithm::Es256, "k4", &mut rng), at(10), at(5));
    assert_eq!(set.insert(early).unwrap_err(), KeySetError::InvalidSchedule);

    let mut full = KeySet::new(POLICY);
    for i in 0..qscope::jose::MAX_JWK_SET_KEYS as u64 {
        full.insert(ManagedKey::new(key(Algorithm::EdDsa, &format!("e{i}"), &mut rng), T0, at(i)))
            .unwrap();
    }
    let one_more = ManagedKey::new(key(Algorithm::EdDsa, "last", &mut rng), T0, at(1000));
    assert_eq!(full.insert(one_more).unwrap_err(), KeySetError::Full);
    assert_eq!(full.jwks(T0).keys().len(), qscope::jose::MAX_JWK_SET_KEYS, "all published");

    let mut future = KeySet::new(POLICY);
    future.insert(ManagedKey::new(key(Algorithm::Es256, "f", &mut rng), at(10), at(20))).unwrap();
    assert_eq!(future.jwks(T0).keys().len(), 0, "not published before published_at");
    assert_eq!(
        future.begin_sign(None, b"{}", at(10), &mut rng).unwrap_err(),
        KeySetError::NoActiveKey
    );
    assert!(future.prune(T0).is_empty(), "a key not yet published is kept");
}

#[test]
fn revoking_the_active_key_falls_back_to_its_predecessor() {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let mut set = KeySet::new(POLICY);
    set.publish(key(Algorithm::Es256, "k1", &mut rng), T0).unwrap();
    set.publish(key(Algorithm::Es256, "k2", &mut rng), T0).unwrap();
    let later = at(POLICY.publish_ahead.get());
    assert_eq!(set.active(later).unwrap().kid(), "k2");
    assert_eq!(set.revoke("k2").unwrap().kid(), "k2");
    assert_eq!(set.active(later).unwrap().kid(), "k1");
    assert_eq!(kids(&set, later), ["k1"]);
    assert!(set.revoke("k2").is_none());
}

#[test]
fn nodes_restoring_the_same_stored_keys_agree_at_every_instant() {
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    let mut first = KeySet::new(POLICY);
    first.publish(key(Algorithm::Es256, "k1", &mut rng), T0).unwrap();
    first.publish(key(Algorithm::Rs256, "k2", &mut rng), at(100)).unwrap();
    // What the host stores per key: PEM, algorithm, kid, and the schedule.
    let stored: Vec<(String, Algorithm, String, UnixTime, UnixTime)> = first
        .keys()
        .iter()
        .map(|k| {
            let Signer::InProcess(key) = k.signer() else { unreachable!() };
            let pem = key.to_pkcs8_pem().unwrap().expose().to_owned();
            (pem, key.algorithm(), k.kid().to_owned(), k.published_at(), k.signs_from())
        })
        .collect();
    let restore = || {
        let mut set = KeySet::new(POLICY);
        for (pem, alg, kid, published_at, signs_from) in stored.iter().rev() {
            let key = SigningKey::from_pkcs8_pem(*alg, pem).unwrap().with_kid(kid);
            set.insert(ManagedKey::new(Signer::InProcess(key), *published_at, *signs_from))
                .unwrap();
        }
        set
    };
    let (node_a, node_b) = (restore(), restore());
    for offset in [0, 99, 100, 21_699, 21_700, 28_899, 28_900, 40_000] {
        let t = at(offset);
        let expected = first.active(t).map(ManagedKey::kid);
        assert_eq!(node_a.active(t).map(ManagedKey::kid), expected, "at {t}");
        assert_eq!(node_b.active(t).map(ManagedKey::kid), expected, "at {t}");
        assert_eq!(node_a.jwks(t).to_json(), first.jwks(t).to_json(), "at {t}");
        assert_eq!(node_b.jwks(t), node_a.jwks(t), "at {t}");
    }
}

#[test]
fn an_external_key_pauses_for_the_host_and_its_answer_is_checked() {
    let rng = ChaCha20Rng::seed_from_u64(5);
    // The "KMS": an Ed25519 key the core never sees, only its public half.
    let kms = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    let public = format!(
        r#"{{"kty":"OKP","crv":"Ed25519","x":"{}","kid":"kms-1"}}"#,
        b64(kms.verifying_key().as_bytes())
    );
    let mut set = KeySet::new(POLICY);
    set.publish(Signer::External(PublicJwk::parse(&public).unwrap()), T0).unwrap();
    let begin = || set.begin_sign(Some("at+jwt"), b"{\"sub\":\"a\"}", T0, &mut rng.clone());
    let SignStep::Sign(request) = begin().unwrap() else { panic!("an external key pauses") };
    assert_eq!((request.kid(), request.algorithm()), (Some("kms-1"), Algorithm::EdDsa));
    let input = String::from_utf8(request.signing_input().to_vec()).unwrap();
    assert_eq!(input.split('.').count(), 2, "the JWS Signing Input, not a digest");
    let signature = kms.sign(request.signing_input()).to_bytes();
    let token = request.resume(&signature).unwrap();
    let verified = verify_with_set(&token, &set.jwks(T0), &[Algorithm::EdDsa]).unwrap();
    assert_eq!(verified.payload, b"{\"sub\":\"a\"}");
    assert_eq!(token, format!("{input}.{}", b64(&signature)));

    let SignStep::Sign(request) = begin().unwrap() else { panic!() };
    let other = ed25519_dalek::SigningKey::from_bytes(&[8; 32]).sign(request.signing_input());
    assert_eq!(request.resume(&other.to_bytes()).unwrap_err(), JoseError::BadSignature);
}

#[test]
fn an_external_es256_signature_must_be_r_s_not_der() {
    let kms = p256::ecdsa::SigningKey::from_slice(&[7; 32]).unwrap();
    let point = kms.verifying_key().to_sec1_point(false);
    let (x, y) = (b64(&point.as_bytes()[1..33]), b64(&point.as_bytes()[33..]));
    let public = format!(r#"{{"kty":"EC","crv":"P-256","x":"{x}","y":"{y}","kid":"hsm"}}"#);
    let signer = Signer::External(PublicJwk::parse(&public).unwrap());
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    let SignStep::Sign(request) = signer.begin(None, b"p", &mut rng).unwrap() else { panic!() };
    let signature: p256::ecdsa::Signature =
        p256::ecdsa::signature::Signer::sign(&kms, request.signing_input());
    let SignStep::Sign(again) = signer.begin(None, b"p", &mut rng).unwrap() else { panic!() };
    assert_eq!(again.resume(signature.to_der().as_bytes()).unwrap_err(), JoseError::BadSignature);
    request.resume(&signature.to_bytes()).unwrap();
}
