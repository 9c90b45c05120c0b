//! The router state `routes!` infers from its handlers, so that a bare
//! `let app = routes![..]` has a type.
//!
//! Rust has no default for a type parameter that inference leaves open:
//! `Routes<S>` built from handlers that work with any state (every axum
//! extractor but `State<T>`) would be ambiguous (E0283) unless something
//! later named `S`. `#[public]` and `#[protect]` see the handler's
//! parameters, so they record, on the handler's policy type, what its
//! `State<..>` parameters say ([`HandlerState`]): none ([`Stateless`]),
//! one type ([`Stateful<T>`]), or several ([`Unknown`]). `routes!` joins
//! the records of its handlers ([`Join`]) and builds `Routes<()>` when no
//! handler takes state, `Routes<T>` when they all take `State<T>`; for
//! anything else it asks for `routes![state = AppState, ..]`, which skips
//! this inference altogether.

use std::marker::PhantomData;

use super::{HasPolicy, PolicySource};
use crate::policy::Policy;
use crate::routes::{Route, Routes};

/// What a handler's `State<..>` parameters say about the router's state;
/// implemented by the macros on the handler's policy type.
pub trait HandlerState {
    /// [`Stateless`], [`Stateful<T>`] or [`Unknown`].
    type State;
}

/// The handler takes no `State<..>`: it works with any router state.
pub enum Stateless {}

/// The handler takes `State<T>`.
pub struct Stateful<T>(PhantomData<fn() -> T>);

/// The handler takes `State<..>` of several types (substates through
/// `FromRef`): the router's state cannot be read from it.
pub enum Unknown {}

/// A handler's record (`Self`) that agrees with the record of the handlers
/// before it (`SoFar`), and (`Joined`) the record of all of them. The new
/// record is `Self` so that a disagreement is reported at the handler that
/// brought it; `Joined` is a parameter rather than an associated type so
/// that it is one error, left uninferred instead of failing again as a
/// projection.
#[diagnostic::on_unimplemented(
    message = "routes! cannot infer the router's state from the handlers' `State<..>` parameters",
    label = "this handler's `State<..>` differs from the other handlers' (or takes two state types)",
    note = "name the router's state: `routes![state = AppState, ...]`; a handler's `State<T>` then needs `T: FromRef<AppState>`"
)]
pub trait Join<SoFar, Joined> {}

#[diagnostic::do_not_recommend]
impl Join<Stateless, Stateless> for Stateless {}

#[diagnostic::do_not_recommend]
impl<T> Join<Stateless, Stateful<T>> for Stateful<T> {}

#[diagnostic::do_not_recommend]
impl<T> Join<Stateful<T>, Stateful<T>> for Stateless {}

#[diagnostic::do_not_recommend]
impl<T> Join<Stateful<T>, Stateful<T>> for Stateful<T> {}

/// The router state a joined record stands for.
#[diagnostic::on_unimplemented(
    message = "routes! cannot infer the router's state from the handlers' `State<..>` parameters",
    note = "name the router's state: `routes![state = AppState, ...]`"
)]
pub trait RouterState {
    /// The `S` of `Routes<S>`.
    type State: Clone + Send + Sync + 'static;
}

impl RouterState for Stateless {
    type State = ();
}

impl<T: Clone + Send + Sync + 'static> RouterState for Stateful<T> {
    type State = T;
}

/// A handler marked `#[public]` or `#[protect]`, by its policy type.
pub struct Marked<P>(PhantomData<fn() -> P>);

/// The handler's policy type. `routes!` reads both the policy and the
/// state through this one call, so an unmarked handler is one error, not
/// one per use.
pub const fn marked<H: HasPolicy<A>, A>(_handler: &H) -> Marked<H::Source> {
    Marked(PhantomData)
}

impl<P: PolicySource> Marked<P> {
    /// The handler's policy, usable in a `static` initializer.
    pub const fn policy(self) -> Policy {
        P::POLICY
    }
}

impl<P: HandlerState> Marked<P> {
    /// The handler's state record.
    pub const fn state(self) -> PhantomData<P::State> {
        PhantomData
    }
}

/// The joined state records of the handlers so far (`A`).
pub struct Record<A>(PhantomData<fn() -> A>);

/// The record of no handler: `routes![]` is `Routes<()>`.
pub const fn stateless() -> Record<Stateless> {
    Record(PhantomData)
}

impl<A> Record<A> {
    /// The record of the handlers so far and one more.
    pub const fn join<B: Join<A, C>, C>(self, _next: PhantomData<B>) -> Record<C> {
        Record(PhantomData)
    }
}

/// The empty `Routes` for the joined record's state.
pub fn routes_for<M: RouterState>(_record: Record<M>, table: &'static [Route]) -> Routes<M::State> {
    Routes::new(table)
}

#[cfg(test)]
mod tests {
    use std::any::TypeId;

    use super::*;

    fn state_of<M: RouterState>(_: Record<M>) -> TypeId
    where
        M::State: 'static,
    {
        TypeId::of::<M::State>()
    }

    #[test]
    fn no_handler_taking_state_is_unit_state() {
        let record = stateless()
            .join(PhantomData::<Stateless>)
            .join(PhantomData::<Stateless>);
        assert_eq!(state_of(record), TypeId::of::<()>());
    }

    #[test]
    fn one_state_type_among_stateless_handlers_is_that_type() {
        let record = stateless()
            .join(PhantomData::<Stateless>)
            .join(PhantomData::<Stateful<String>>)
            .join(PhantomData::<Stateless>)
            .join(PhantomData::<Stateful<String>>);
        assert_eq!(state_of(record), TypeId::of::<String>());
    }
}
