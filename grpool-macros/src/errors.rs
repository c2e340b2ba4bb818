//! A collector for independent errors, so that one expansion reports all of them at once.

use proc_macro2::TokenStream;

/// Gathers errors with [`syn::Error::combine`]. It must be consumed with [`Errors::finish`]:
/// dropping it with errors inside is a bug in the macro, and panics.
#[derive(Default)]
pub(crate) struct Errors {
    errors: Option<syn::Error>,
    finished: bool,
}

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.errors {
            Some(e) => e.combine(error),
            None => self.errors = Some(error),
        }
    }

    pub(crate) fn push_spanned(
        &mut self,
        tokens: impl quote::ToTokens,
        message: impl std::fmt::Display,
    ) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// The errors as `compile_error!` invocations, if any.
    pub(crate) fn finish(mut self) -> Option<TokenStream> {
        self.finished = true;
        self.errors.take().map(syn::Error::into_compile_error)
    }
}

impl Drop for Errors {
    fn drop(&mut self) {
        if !self.finished && self.errors.is_some() && !std::thread::panicking() {
            panic!("grpool-macros: errors were collected but never reported");
        }
    }
}
