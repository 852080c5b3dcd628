//! Benchmarks of any target (`cespec bench`): codec mode times echo
//! exchanges with one target ([`codec`]), load mode drives an HTTP echo or
//! receiver target with many connections ([`load`]); both write
//! [`result::BenchReport`] rows, which the reports chart and which a later
//! run compares against (`--baseline`). The inputs are the embedded `bench`
//! suite ([`inputs`]), the same ones the criterion benches time.

pub mod codec;
pub mod inputs;
pub mod load;
pub mod result;
