//! Rosette, the application: configuration, storage, the domain services, the HTTP server
//! and the `rosette` command line. The credential work itself is the `badges` crate's.

pub mod achievement;
pub mod auth;
pub mod award;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod email;
pub mod event;
pub mod fetch;
pub mod http;
pub mod issuer;
pub mod jobs;
pub mod lab;
pub mod ob2;
pub mod openapi;
pub mod org;
pub mod public;
pub mod secrets;
pub mod server;
pub mod status_list;
pub mod telemetry;
pub mod validate;
pub mod web;
