//! Buses.

pub mod widget;
