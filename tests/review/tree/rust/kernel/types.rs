//! Kernel types.

use core::ptr::NonNull;

/// Stores an opaque value.
#[repr(transparent)]
pub struct Opaque<T>(core::cell::UnsafeCell<core::mem::MaybeUninit<T>>);

/// Types that are internally reference counted.
pub unsafe trait AlwaysRefCounted {
    fn inc_ref(&self);
    unsafe fn dec_ref(obj: NonNull<Self>);
}

/// A counted reference.
pub struct ARef<T: AlwaysRefCounted> {
    ptr: NonNull<T>,
}
