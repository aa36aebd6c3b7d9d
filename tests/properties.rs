//! Property tests: parsers never panic and round-trip, and a reference
//! model of the token lifecycle agrees with the core + `MemoryStore` on
//! random operation sequences.

mod support;

use std::collections::HashMap;

use proptest::prelude::*;
use qscope::Scopes;
use qscope::store::{TokenHash, TokenKind};
use support::*;

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

proptest! {
    /// Any body is answered with a well-formed response within the step bound.
    #[test]
    fn token_endpoint_answers_any_body(body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let h = Harness::new();
        let mut request: http::Request<Vec<u8>> = token_request("").basic(CLIENT_ID, CLIENT_SECRET).into();
        *request.body_mut() = body;
        let response = h.send(request);
        prop_assert!([200u16, 400, 401, 413].contains(&response.status().as_u16()));
    }

    /// Encoded parameters decode to what was encoded, whatever the text.
    #[test]
    fn form_values_round_trip(scope in "[ -~]{0,40}", state in "\\PC{0,20}") {
        let h = Harness::new();
        let body = format!("grant_type=client_credentials&scope={}&state={}", encode(&scope), encode(&state));
        let response = h.send(token_request(&body).basic(CLIENT_ID, CLIENT_SECRET));
        let json = json(&response);
        match Scopes::parse(&scope) {
            _ if scope.is_empty() => prop_assert_eq!(&json["scope"], "read"),
            Ok(parsed) if parsed.iter().all(|s| s == "read" || s == "write") => {
                prop_assert_eq!(json["scope"].as_str().unwrap_or(""), parsed.as_str());
            }
            _ => prop_assert_eq!(&json["error"], "invalid_scope"),
        }
    }

    /// Basic credentials survive form-urlencoding for any id and secret.
    #[test]
    fn basic_credentials_round_trip(id in "[!-~]{1,20}", secret in "\\PC{0,30}") {
        let h = Harness::new();
        h.store.insert_client(confidential(&id, &secret, qscope::store::ClientAuthMethod::ClientSecretBasic));
        let response = h.send(token_request("grant_type=client_credentials").basic(&encode(&id), &encode(&secret)));
        prop_assert_eq!(response.status(), 200);
    }

    /// Scope parsing normalizes: parse(to_string(parse(x))) == parse(x).
    #[test]
    fn scopes_normalize(tokens in proptest::collection::vec("[a-z:]{1,6}", 0..6)) {
        let text = tokens.join(" ");
        let once = Scopes::parse(&text).unwrap();
        let twice = Scopes::parse(once.as_str()).unwrap();
        prop_assert_eq!(&once, &twice);
        for t in &tokens {
            prop_assert!(once.contains(t));
        }
    }
}

#[derive(Clone, Debug)]
enum Op {
    NewCode,
    Redeem(usize),
    /// Refresh with the `back`-th most recent refresh token of family `family`.
    Refresh {
        family: usize,
        back: usize,
    },
    Advance(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => Just(Op::NewCode),
        3 => (0..6usize).prop_map(Op::Redeem),
        4 => ((0..6usize), (0..3usize)).prop_map(|(family, back)| Op::Refresh { family, back }),
        1 => prop_oneof![Just(1u64), Just(30), Just(70), Just(3600)].prop_map(Op::Advance),
    ]
}

/// The model: what must be true after each operation.
#[derive(Default)]
struct Model {
    /// code name → (consumed, expires_at secs, family index once redeemed).
    codes: Vec<(String, bool, u64, Option<usize>)>,
    /// family → chain of (refresh token, access token), oldest first, and
    /// whether the family was revoked.
    families: Vec<(Vec<(String, String)>, bool)>,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn token_lifecycle_matches_the_model(ops in proptest::collection::vec(op(), 1..40)) {
        let h = Harness::new();
        let mut model = Model::default();
        for op in ops {
            let now = h.now().as_secs();
            match op {
                Op::NewCode => {
                    let name = format!("code-{}", model.codes.len());
                    h.code(&name, CLIENT_ID);
                    // Each code its own family, as /authorize would issue.
                    let mut record = h.store.code(&TokenHash::of(&name)).unwrap();
                    record.family = qscope::store::FamilyId::from_bytes([model.codes.len() as u8 + 1; 16]);
                    h.store.insert_code(record);
                    model.codes.push((name, false, now + 60, None));
                }
                Op::Redeem(i) => {
                    let Some((name, consumed, expires, family)) = model.codes.get(i).cloned() else { continue };
                    let body = format!("grant_type=authorization_code&code={name}&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb&code_verifier={VERIFIER}");
                    let response = h.send(token_request(&body).basic(CLIENT_ID, CLIENT_SECRET));
                    if consumed {
                        prop_assert_eq!(response.status(), 400);
                        if let Some(f) = family { model.families[f].1 = true; }
                    } else if now >= expires {
                        prop_assert_eq!(response.status(), 400);
                    } else {
                        prop_assert_eq!(response.status(), 200);
                        let body = json(&response);
                        let pair = (body["refresh_token"].as_str().unwrap().to_owned(), body["access_token"].as_str().unwrap().to_owned());
                        model.families.push((vec![pair], false));
                        model.codes[i].1 = true;
                        model.codes[i].3 = Some(model.families.len() - 1);
                    }
                }
                Op::Refresh { family, back } => {
                    let Some((chain, revoked)) = model.families.get(family).cloned() else { continue };
                    let Some(index) = chain.len().checked_sub(back + 1) else { continue };
                    let presented = chain[index].0.clone();
                    let response = h.send(token_request(&format!("grant_type=refresh_token&refresh_token={presented}")).basic(CLIENT_ID, CLIENT_SECRET));
                    let is_current = index == chain.len() - 1;
                    if revoked {
                        prop_assert_eq!(response.status(), 400);
                    } else if !is_current {
                        // Strict rotation: reuse revokes the family.
                        prop_assert_eq!(response.status(), 400);
                        model.families[family].1 = true;
                    } else if now >= h.store.token(&TokenHash::of(&presented)).unwrap().expires_at.as_secs() {
                        prop_assert_eq!(response.status(), 400);
                    } else {
                        prop_assert_eq!(response.status(), 200);
                        let body = json(&response);
                        model.families[family].0.push((body["refresh_token"].as_str().unwrap().to_owned(), body["access_token"].as_str().unwrap().to_owned()));
                    }
                }
                Op::Advance(secs) => h.advance(secs),
            }
            // The store agrees with the model about every token.
            let mut expected: HashMap<TokenHash, (bool, bool)> = HashMap::new();
            for (chain, revoked) in &model.families {
                for (i, (refresh, access)) in chain.iter().enumerate() {
                    let rotated = i + 1 < chain.len();
                    expected.insert(TokenHash::of(refresh), (*revoked, rotated));
                    expected.insert(TokenHash::of(access), (*revoked, false));
                }
            }
            for token in h.store.tokens() {
                let (revoked, rotated) = expected[&token.hash];
                prop_assert_eq!(token.revoked_at.is_some(), revoked, "revocation of {:?}", token.kind);
                if token.kind == TokenKind::Refresh {
                    prop_assert_eq!(token.rotated_at.is_some(), rotated);
                }
                prop_assert!(!(revoked && token.is_active(h.now())), "a revoked token is never active");
            }
            prop_assert_eq!(h.store.tokens().len(), expected.len());
        }
    }
}
