//! Panics turned into messages, so that a bug met in one file or one lint is reported where it
//! happened and the rest of the analysis goes on.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};

/// Runs `f`, turning a panic into its message.
pub fn catch_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    panic::catch_unwind(AssertUnwindSafe(f)).map_err(|payload| panic_message(payload.as_ref()))
}

pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_string()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "panic with a non-string payload".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_its_message() {
        assert_eq!(catch_panic(|| 7), Ok(7));
        assert_eq!(
            catch_panic(|| -> () { panic!("static message") }),
            Err("static message".to_string())
        );
        let index = 3;
        assert_eq!(
            catch_panic(|| -> () { panic!("formatted {index}") }),
            Err("formatted 3".to_string())
        );
        assert_eq!(
            catch_panic(|| std::panic::panic_any(42_u8)),
            Err("panic with a non-string payload".to_string())
        );
    }
}
