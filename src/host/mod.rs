//! The qscope server you deploy (feature `server`): the core hosted on
//! tokio and hyper over SQLite or PostgreSQL, with sign-in, consent and
//! device pages, and the administration commands of the `qscope` binary.
//!
//! Every protocol decision stays in the sans-IO core; this module is an
//! adapter with pages. It answers HTTP (`app`), renders the pages the core
//! asks for (`login`, `consent`, `device`), keeps browser sessions, checks
//! passwords, limits load, writes best-effort audit events in the
//! background and purges what expired. All of its calls into the core go
//! through one small module (`drive`).
//!
//! The `qscope` binary (`src/bin/qscope/main.rs`) is the command line over
//! this module: [`cli`] parses it, [`config`] reads the configuration,
//! [`serve::start`] runs the server and [`admin`] the administration
//! commands.

mod account;
mod accounts;
pub mod admin;
mod app;
pub mod audit;
mod browser_errors;
pub mod cli;
mod client_address;
mod client_limit;
mod clock;
pub mod config;
mod connections;
mod consent;
mod consents;
mod csp;
pub mod database;
mod deadline;
mod device;
mod drive;
pub mod form;
mod home;
mod key_file;
mod login;
mod logout;
mod maintenance;
mod metrics;
mod operations;
mod pages;
mod passwords;
mod random;
mod rate_limit;
pub mod serve;
mod session;
mod slow_down;
pub mod users;
mod web;
