//! RFC 8707 resource indicators end to end: `resource` at the authorization,
//! PAR, device authorization and token endpoints, the audience the tokens
//! carry, introspection's `aud`, and the bearer check for one resource.

mod support;

use http::Request;
use qscope::store::{GrantType, Query, Record, Store as _, TokenHash};
use qscope::{Decision, Input, Reply, ResourceDefinition, Scopes, Seconds};
use support::*;

/// The RFC 8707 §2 examples' resources, and one that allows only `read`.
const CALENDAR: &str = "https://cal.example.com/";
const CONTACTS: &str = "https://contacts.example.com/";
const READ_ONLY: &str = "urn:example:read-only";

fn harness() -> Harness {
    let h = Harness::with(
        config()
            .grants([
                GrantType::AuthorizationCode,
                GrantType::ClientCredentials,
                GrantType::RefreshToken,
                GrantType::DeviceCode,
            ])
            .resource(ResourceDefinition::new(CALENDAR))
            .resource(ResourceDefinition::new(CONTACTS).with_lifetime(Seconds::new(600)))
            .resource(ResourceDefinition::new(READ_ONLY).with_scopes(Scopes::from_names(["read"]))),
    );
    h.store.insert_client(
        confidential(CLIENT_ID, CLIENT_SECRET, qscope::store::ClientAuthMethod::ClientSecretBasic)
            .with_grants([
                GrantType::AuthorizationCode,
                GrantType::ClientCredentials,
                GrantType::RefreshToken,
                GrantType::DeviceCode,
            ]),
    );
    h
}

fn authorize_query(resources: &[&str]) -> String {
    let mut query = format!(
        "response_type=code&client_id={CLIENT_ID}&state=af0ifjsldkj&scope=read+write\
         &redirect_uri={}&{PKCE}",
        enc(REDIRECT_URI)
    );
    for resource in resources {
        query.push_str(&format!("&resource={}", enc(resource)));
    }
    query
}

/// The code of an approved request naming `resources`.
fn code_for(h: &Harness, resources: &[&str]) -> String {
    let interaction = h.interaction(authorize(&authorize_query(resources)));
    let response = h.decide(Decision::approve(
        interaction.handle,
        "alice",
        Scopes::from_names(["read", "write"]),
    ));
    query_param(&decision_location(&response), "code").expect("a code")
}

fn redeem(h: &Harness, code: &str, resources: &[&str]) -> http::Response<Vec<u8>> {
    let mut body = format!(
        "grant_type=authorization_code&code={code}&redirect_uri={}&code_verifier={VERIFIER}",
        enc(REDIRECT_URI)
    );
    for resource in resources {
        body.push_str(&format!("&resource={}", enc(resource)));
    }
    h.send(token_request(&body).basic(CLIENT_ID, CLIENT_SECRET))
}

fn resources_of(h: &Harness, token: &str) -> Vec<String> {
    h.token(token).resources
}

fn introspect(h: &Harness, token: &str) -> serde_json::Value {
    let response =
        h.send(introspect_request(&format!("token={token}")).basic(CLIENT_ID, CLIENT_SECRET));
    assert_eq!(response.status(), 200);
    json(&response)
}

#[test]
fn an_unknown_or_malformed_resource_at_authorize_is_redirected_as_invalid_target() {
    let h = harness();
    for bad in ["https://unknown.example.com/", "https://cal.example.com/#frag", "cal.example.com"]
    {
        let response = h.send(authorize(&authorize_query(&[CALENDAR, bad])));
        assert_eq!(response.status(), 302, "{bad}");
        let location = location(&response);
        assert!(location.starts_with(REDIRECT_URI), "{location}");
        assert_eq!(query_param(&location, "error").as_deref(), Some("invalid_target"), "{bad}");
        assert_eq!(query_param(&location, "state").as_deref(), Some("af0ifjsldkj"));
    }
    assert!(h.committed.borrow().is_empty(), "nothing is stored for a refused request");
}

#[test]
fn the_code_remembers_its_resources_and_the_token_request_narrows_them() {
    let h = harness();
    let code = code_for(&h, &[CALENDAR, CONTACTS, CALENDAR]);
    let stored = h.store.code(&TokenHash::of(&code)).unwrap();
    assert_eq!(stored.resources, [CALENDAR, CONTACTS], "each resource once, in order");

    let response = redeem(&h, &code, &[CONTACTS]);
    assert_eq!(response.status(), 200, "{:?}", json(&response));
    let body = json(&response);
    assert_eq!(body["expires_in"], 600, "the contacts resource's own lifetime");
    let access = body["access_token"].as_str().unwrap();
    let refresh = body["refresh_token"].as_str().unwrap();
    assert_eq!(resources_of(&h, access), [CONTACTS]);
    assert_eq!(resources_of(&h, refresh), [CALENDAR, CONTACTS], "the grant keeps both");
    let introspected = introspect(&h, access);
    assert_eq!(introspected["active"], true);
    assert_eq!(introspected["aud"], CONTACTS);

    // A refresh narrows to the other resource; the rotated refresh token
    // keeps the grant's resources.
    let (access, refresh) = {
        let response = h.send(
            token_request(&format!(
                "grant_type=refresh_token&refresh_token={refresh}&resource={}",
                enc(CALENDAR)
            ))
            .basic(CLIENT_ID, CLIENT_SECRET),
        );
        assert_eq!(response.status(), 200, "{:?}", json(&response));
        let body = json(&response);
        assert_eq!(body["expires_in"], 3600);
        (
            body["access_token"].as_str().unwrap().to_owned(),
            body["refresh_token"].as_str().unwrap().to_owned(),
        )
    };
    assert_eq!(resources_of(&h, &access), [CALENDAR]);
    assert_eq!(resources_of(&h, &refresh), [CALENDAR, CONTACTS]);

    // Without `resource`, the access token is for every resource of the grant.
    let (access, refresh) = h.refresh(&refresh);
    assert_eq!(introspect(&h, &access)["aud"], serde_json::json!([CALENDAR, CONTACTS]));

    // Widening to a defined resource the grant does not hold, or naming an
    // unknown one, is invalid_target; the refresh token is not spent.
    for other in [READ_ONLY, "https://unknown.example.com/"] {
        let response = h.send(
            token_request(&format!(
                "grant_type=refresh_token&refresh_token={refresh}&resource={}",
                enc(other)
            ))
            .basic(CLIENT_ID, CLIENT_SECRET),
        );
        assert_error(&response, 400, "invalid_target");
        assert!(h.token(&refresh).rotated_at.is_none());
    }
}

#[test]
fn a_token_request_cannot_widen_the_code_and_leaves_it_unspent() {
    let h = harness();
    let code = code_for(&h, &[CALENDAR]);
    let response = redeem(&h, &code, &[CONTACTS]);
    let body = assert_error(&response, 400, "invalid_target");
    assert_eq!(body["error_description"], "resource was not granted");
    assert!(h.store.code(&TokenHash::of(&code)).unwrap().consumed_at.is_none());
    let response = redeem(&h, &code, &[]);
    assert_eq!(response.status(), 200);
    assert_eq!(resources_of(&h, json(&response)["access_token"].as_str().unwrap()), [CALENDAR]);
}

#[test]
fn a_code_without_resources_issues_tokens_without_audience() {
    let h = harness();
    let code = code_for(&h, &[]);
    let response = redeem(&h, &code, &[]);
    let access = json(&response)["access_token"].as_str().unwrap().to_owned();
    assert!(resources_of(&h, &access).is_empty());
    let introspected = introspect(&h, &access);
    assert_eq!(introspected["active"], true);
    assert!(introspected.get("aud").is_none(), "{introspected}");
}

#[test]
fn client_credentials_take_resources_and_are_downscoped_to_what_they_allow() {
    let h = harness();
    let response = h.send(
        token_request(&format!(
            "grant_type=client_credentials&scope=read+write&resource={}",
            enc(READ_ONLY)
        ))
        .basic(CLIENT_ID, CLIENT_SECRET),
    );
    assert_eq!(response.status(), 200, "{:?}", json(&response));
    let body = json(&response);
    assert_eq!(body["scope"], "read", "RFC 8707 §2.2 downscoping");
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(h.token_scopes(access), "read");
    assert_eq!(introspect(&h, access)["aud"], READ_ONLY);

    let response = h.send(
        token_request(&format!(
            "grant_type=client_credentials&scope=write&resource={}",
            enc(READ_ONLY)
        ))
        .basic(CLIENT_ID, CLIENT_SECRET),
    );
    assert_error(&response, 400, "invalid_scope");
    let response = h.send(
        token_request("grant_type=client_credentials&resource=https%3A%2F%2Fx.example%2F")
            .basic(CLIENT_ID, CLIENT_SECRET),
    );
    assert_error(&response, 400, "invalid_target");
}

#[test]
fn a_pushed_request_with_an_unknown_resource_is_invalid_target_and_a_known_one_is_kept() {
    let h = harness();
    let body = authorize_query(&["https://unknown.example.com/"]);
    let response = h.send(par_request(&body).basic(CLIENT_ID, CLIENT_SECRET));
    assert_error(&response, 400, "invalid_target");

    let body = authorize_query(&[CONTACTS]);
    let response = h.send(par_request(&body).basic(CLIENT_ID, CLIENT_SECRET));
    assert_eq!(response.status(), 201, "{:?}", json(&response));
    let request_uri = json(&response)["request_uri"].as_str().unwrap().to_owned();
    let interaction = h.interaction(authorize(&format!(
        "client_id={CLIENT_ID}&request_uri={}",
        enc(&request_uri)
    )));
    let response =
        h.decide(Decision::approve(interaction.handle, "alice", Scopes::from_names(["read"])));
    let code = query_param(&decision_location(&response), "code").unwrap();
    assert_eq!(h.store.code(&TokenHash::of(&code)).unwrap().resources, [CONTACTS]);
}

#[test]
fn a_device_grant_keeps_its_resources_and_refuses_unknown_ones() {
    let h = harness();
    let device = |body: &str| {
        h.send(form_post("/device_authorization", body).basic(CLIENT_ID, CLIENT_SECRET))
    };
    let response = device("scope=read&resource=https%3A%2F%2Fnope.example%2F");
    assert_error(&response, 400, "invalid_target");
    let response = device(&format!("scope=read&resource={}", enc(CALENDAR)));
    assert_eq!(response.status(), 200, "{:?}", json(&response));
    let device_code = json(&response)["device_code"].as_str().unwrap().to_owned();
    let query = Query::DeviceCode { hash: TokenHash::of(&device_code) };
    let answers = h.store.read(&[query]).unwrap();
    let Some(Record::Device(grant)) = answers.as_slice()[0].record.clone() else {
        panic!("the device grant is stored");
    };
    assert_eq!(grant.resources, [CALENDAR]);
}

fn bearer(token: &str) -> Request<Vec<u8>> {
    Request::get("/calendar")
        .header("authorization", format!("Bearer {token}"))
        .body(Vec::new())
        .unwrap()
}

#[test]
fn the_bearer_check_for_a_resource_refuses_tokens_for_another_or_none() {
    let h = harness();
    let issue = |resource: Option<&str>| {
        let body = match resource {
            Some(r) => format!("grant_type=client_credentials&scope=read&resource={}", enc(r)),
            None => "grant_type=client_credentials&scope=read".to_owned(),
        };
        let response = h.send(token_request(&body).basic(CLIENT_ID, CLIENT_SECRET));
        json(&response)["access_token"].as_str().unwrap().to_owned()
    };
    let required = Scopes::from_names(["read"]);
    let for_calendar = issue(Some(CALENDAR));
    let request = bearer(&for_calendar);
    match h.ask(Input::bearer_for(&request, &required, CALENDAR)) {
        Reply::Access(access) => assert_eq!(access.client_id, CLIENT_ID),
        other => panic!("the calendar's token passes at the calendar: {other:?}"),
    }
    for token in [issue(Some(CONTACTS)), issue(None)] {
        let request = bearer(&token);
        let Reply::Http(denial) = h.ask(Input::bearer_for(&request, &required, CALENDAR)) else {
            panic!("a token for another resource is refused");
        };
        assert_eq!(denial.status(), 401);
        assert_eq!(
            denial.headers()["www-authenticate"],
            "Bearer realm=\"qscope\", error=\"invalid_token\", \
             error_description=\"The access token is not for this resource\""
        );
    }
    // Without a stated audience the check is as before.
    let request = bearer(&issue(Some(CONTACTS)));
    assert!(matches!(h.ask(Input::bearer(&request, &required)), Reply::Access(_)));
}
