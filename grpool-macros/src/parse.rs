//! The input of `spawn_pooled!`: `[pool,] [&ctx,] [[captures],] closure`.

use crate::errors::Errors;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, ExprClosure, Ident, Token};

pub(crate) struct SpawnInput {
    /// `None`: the default pool.
    pub(crate) pool: Option<Expr>,
    /// `None`: `Context::background()`.
    pub(crate) ctx: Option<Expr>,
    pub(crate) captures: Vec<Ident>,
    pub(crate) closure: ExprClosure,
}

/// The raw comma-separated arguments, before their roles are known.
pub(crate) struct RawArgs(Punctuated<Expr, Token![,]>);

impl Parse for RawArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        Ok(RawArgs(Punctuated::parse_terminated(input)?))
    }
}

const USAGE: &str = "expected `spawn_pooled!([pool,] [&ctx,] [[captures],] |ctx| body)`";

impl RawArgs {
    /// Gives each argument its role; every mistake found is collected into `errors`.
    pub(crate) fn classify(self, errors: &mut Errors) -> Option<SpawnInput> {
        let mut args: Vec<Expr> = self.0.into_iter().collect();
        let Some(last) = args.pop() else {
            errors.push(syn::Error::new(
                proc_macro2::Span::call_site(),
                format_args!("`spawn_pooled!` needs a closure; {USAGE}"),
            ));
            return None;
        };
        let closure = match last {
            Expr::Closure(c) => c,
            other => {
                errors.push_spanned(&other, format_args!("the last argument of `spawn_pooled!` must be a closure like `|ctx| ...`; {USAGE}"));
                return None;
            }
        };
        let mut args = args.into_iter();
        let pool = args.next();
        let mut ctx = None;
        let mut captures = None;
        for arg in args {
            match arg {
                Expr::Array(list) if captures.is_none() => captures = Some(list),
                other if ctx.is_none() && captures.is_none() => ctx = Some(other),
                other => errors.push_spanned(
                    &other,
                    format_args!("unexpected argument to `spawn_pooled!`; {USAGE}"),
                ),
            }
        }
        if let Some(Expr::Array(list)) = &pool {
            errors.push_spanned(
                list,
                format_args!("a capture list comes after the pool; {USAGE}"),
            );
        }
        let captures = captures
            .map(|list| {
                list.elems
                    .into_iter()
                    .filter_map(|e| match e {
                        Expr::Path(p) if p.qself.is_none() && p.attrs.is_empty() => match p.path.get_ident() {
                            Some(ident) => Some(ident.clone()),
                            None => {
                                errors.push_spanned(&p, "capture-list entries must be plain variable names; bind this to a variable first");
                                None
                            }
                        },
                        other => {
                            errors.push_spanned(&other, "capture-list entries must be plain variable names; bind this to a variable first");
                            None
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(SpawnInput {
            pool,
            ctx,
            captures,
            closure,
        })
    }
}

/// Checks the closure: at most one parameter, not async, no async block body.
pub(crate) fn check_closure(closure: &ExprClosure, errors: &mut Errors) {
    if let Some(asyncness) = &closure.asyncness {
        errors.push_spanned(asyncness, "`spawn_pooled!` cannot run an async closure: its future would never be polled on the pool; remove `async`, or spawn it on an async runtime");
    }
    if let Expr::Async(block) = &*closure.body {
        errors.push_spanned(block, "this `async` block would never run: `spawn_pooled!` calls the closure on a worker and drops the future it returns; remove `async`, or spawn it on an async runtime");
    }
    if closure.inputs.len() > 1 {
        let extra = closure.inputs.iter().nth(1);
        errors.push_spanned(extra, "the `spawn_pooled!` closure takes one parameter, the job's `&Context` (`|ctx|`), or none (`||`)");
    }
}
