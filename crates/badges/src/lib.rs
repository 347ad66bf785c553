//! Open Badges 3.0 and 2.0 credentials: the document model, offline JSON-LD, RDFC-1.0
//! canonical form, Data Integrity proofs, VC-JWT, status lists, baking into images and the
//! verification procedure.
//!
//! This crate is a pure library: it does no network I/O of its own (resolvers are passed in),
//! keeps no state, and takes the current time as an argument wherever it matters.

pub mod bake;
pub mod canonical;
pub mod contexts;
pub mod fastpath;
pub mod jwt;
pub mod keys;
pub mod model;
pub mod ob2;
pub mod proof;
pub mod rdf;
pub mod resolve;
pub mod sample;
pub mod schema;
pub mod status;
pub mod verify;
