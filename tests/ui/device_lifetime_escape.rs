// device_lifetime_escape: types that borrow a device, instantiated with `'static`.

use kernel::device::{Bound, Core, Device};
use kernel::devres::Devres;
use kernel::pci;
use kernel::types::ForLt;

struct MyData<'bound> {
    pdev: &'bound pci::Device<Bound>,
    id: u32,
}

struct Wrapper<'a> {
    inner: MyData<'a>,
}

struct Outer<'x, 'y> {
    name: &'y str,
    wrapped: Option<Wrapper<'x>>,
}

struct NoDevice<'a> {
    name: &'a str,
}

// --- Reported -----------------------------------------------------------------------------------

struct StaticDriver;

impl pci::Driver for StaticDriver {
    type IdInfo = ();
    type Data<'bound> = MyData<'static>; //~ device_lifetime_escape
}

struct Holder {
    data: MyData<'static>, //~ device_lifetime_escape
}

struct Transitive {
    outer: Outer<'static, 'static>, //~ device_lifetime_escape
}

type StaticData = Wrapper<'static>; //~ device_lifetime_escape

static GLOBAL: Option<Wrapper<'static>> = None; //~ device_lifetime_escape

trait Describe {}

impl Describe for MyData<'static> {} //~ device_lifetime_escape

// --- Not reported -------------------------------------------------------------------------------

struct BoundDriver;

impl pci::Driver for BoundDriver {
    type IdInfo = ();
    type Data<'bound> = MyData<'bound>;
}

struct Forwarded<'a> {
    data: MyData<'a>,
}

struct OnlyNames {
    names: Outer<'_, 'static>,
    plain: NoDevice<'static>,
}

struct Managed {
    data: Devres<MyData<'static>>,
}

impl ForLt for MyData<'static> {
    type Of<'a> = MyData<'a>;
}

/// A borrowed helper used inside one function.
struct Probe<'a> {
    dev: &'a Device<Core>,
}

fn probe_helper(dev: &Device<Core>) -> u32 {
    let helper = Probe { dev };
    let _ = helper.dev;
    0
}

// Lifetime family macros name a family by its member: `ForLt!(X<'static>)` is a `'static` borrow.
mod families {
    use kernel::device::Bound;
    use kernel::pci;

    struct MyData<'bound> {
        pdev: &'bound pci::Device<Bound>,
    }

    struct Registration {
        data: ForLt!(MyData<'static>), //~ device_lifetime_escape
        generic: ForLt!(for<'a> MyData<'a>),
        elided: ForLt!(MyData<'_>),
    }

    type Covariant = CovariantForLt!(MyData<'static>); //~ device_lifetime_escape

    struct Plain<'x> {
        n: &'x u32,
    }

    /// A lifetime that instantiates a type parameter's family: it reaches a device when the family
    /// does, which only an instantiation says.
    struct Generic<'a, F: ForLt> {
        _data: core::marker::PhantomData<F::Of<'a>>,
    }

    struct Holder {
        devices: Generic<'static, ForLt!(MyData<'_>)>, //~ device_lifetime_escape
        numbers: Generic<'static, ForLt!(Plain<'_>)>,
    }
}
