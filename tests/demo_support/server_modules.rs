// The demo server's modules (examples/server), declared at the test crate's
// root as examples/server/main.rs declares them, since they name each other
// through `crate::`. Each demo test crate includes this file with
// `include!("demo_support/server_modules.rs");` and uses what it needs.

#[allow(dead_code)]
#[path = "../../examples/server/audit.rs"]
mod audit;
#[allow(dead_code)]
#[path = "../../examples/server/cli.rs"]
mod cli;
#[allow(dead_code)]
#[path = "../../examples/server/client_limit.rs"]
mod client_limit;
#[allow(dead_code)]
#[path = "../../examples/server/connections.rs"]
mod connections;
#[allow(dead_code)]
#[path = "../../examples/server/consent.rs"]
mod consent;
#[allow(dead_code)]
#[path = "../../examples/server/csp.rs"]
mod csp;
#[allow(dead_code)]
#[path = "../../examples/server/deadline.rs"]
mod deadline;
#[allow(dead_code)]
#[path = "../../examples/server/device.rs"]
mod device;
#[allow(dead_code)]
#[path = "../../examples/server/drive.rs"]
mod drive;
#[allow(dead_code)]
#[path = "../../examples/server/form.rs"]
mod form;
#[allow(dead_code)]
#[path = "../../examples/server/host.rs"]
mod host;
#[allow(dead_code)]
#[path = "../../examples/server/login.rs"]
mod login;
#[allow(dead_code)]
#[path = "../../examples/server/maintenance.rs"]
mod maintenance;
#[allow(dead_code)]
#[path = "../../examples/server/pages.rs"]
mod pages;
#[allow(dead_code)]
#[path = "../../examples/server/policy.rs"]
mod policy;
#[allow(dead_code)]
#[path = "../../examples/server/random.rs"]
mod random;
#[allow(dead_code)]
#[path = "../../examples/server/rate_limit.rs"]
mod rate_limit;
#[allow(dead_code)]
#[path = "../../examples/server/serve.rs"]
mod serve;
#[allow(dead_code)]
#[path = "../../examples/server/session.rs"]
mod session;
#[allow(dead_code)]
#[path = "../../examples/server/slow_down.rs"]
mod slow_down;
#[allow(dead_code)]
#[path = "../../examples/server/store.rs"]
mod store;
#[allow(dead_code)]
#[path = "../../examples/server/users.rs"]
mod users;
