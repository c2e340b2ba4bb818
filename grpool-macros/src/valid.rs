//! Semantic checks on the function under `#[pooled]` and its arguments.

use crate::args::{PooledArgs, LIMIT, POOL, QUEUE};
use crate::errors::Errors;
use syn::{FnArg, GenericArgument, ItemFn, PathArguments, ReturnType, Type, TypeParamBound};

/// Checks the arguments against each other.
pub(crate) fn check_args(args: &PooledArgs, errors: &mut Errors) {
    if let (Some(pool), Some(limit)) = (&args.pool, &args.limit) {
        let _ = pool;
        errors.push(syn::Error::new(
            limit.key,
            format_args!("`{LIMIT}` cannot be combined with `{POOL}`: the pool named by `{POOL}` has its own limit; set it where that pool is built"),
        ));
    }
    if let (Some(_), Some(queue)) = (&args.pool, &args.queue) {
        errors.push(syn::Error::new(
            queue.key,
            format_args!("`{QUEUE}` cannot be combined with `{POOL}`: the pool named by `{POOL}` has its own queue; set its capacity where that pool is built"),
        ));
    }
}

/// Checks the function: not async, no receiver, arguments that own their data.
pub(crate) fn check_fn(item: &ItemFn, takes_context: bool, errors: &mut Errors) {
    let sig = &item.sig;
    if let Some(asyncness) = &sig.asyncness {
        errors.push_spanned(
            asyncness,
            "`#[pooled]` cannot run an `async fn`: its future would never be polled on the pool; remove `async`, or spawn the future on an async runtime",
        );
    }
    if let Some(constness) = &sig.constness {
        errors.push_spanned(
            constness,
            "`#[pooled]` cannot run a `const fn`; remove `const`",
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.push_spanned(variadic, "`#[pooled]` functions cannot be variadic");
    }
    if let ReturnType::Type(_, ty) = &sig.output {
        if let Type::ImplTrait(_) = **ty {
            errors.push_spanned(ty, "`#[pooled]` functions cannot return `impl Trait`: the result is carried in a `JobHandle<R>`; name the type");
        }
    }
    for (i, arg) in sig.inputs.iter().enumerate() {
        match arg {
            FnArg::Receiver(receiver) => errors.push_spanned(
                receiver,
                "`#[pooled]` functions cannot take `self`: the body runs on another thread after the call returns; make it an associated function that takes what it needs by value",
            ),
            FnArg::Typed(pat) => {
                if i == 0 && takes_context {
                    continue;
                }
                if let Some(borrow) = borrowed_part(&pat.ty) {
                    let name = pretty(&pat.pat);
                    errors.push_spanned(
                        &pat.ty,
                        format_args!(
                            "`#[pooled]` arguments must own their data, but `{name}` borrows (`{borrow}`): the job runs after `{fn_name}` returns; take it by value (for example `String` instead of `&str`, `Vec<T>` instead of `&[T]`)",
                            fn_name = sig.ident,
                        ),
                    );
                }
            }
        }
    }
}

/// Whether the first parameter is written `&Context`, `&grpool::Context` or `&<crate>::Context`.
pub(crate) fn first_is_context(item: &ItemFn, krate: Option<&syn::Path>) -> bool {
    let Some(FnArg::Typed(pat)) = item.sig.inputs.first() else {
        return false;
    };
    let Type::Reference(reference) = &*pat.ty else {
        return false;
    };
    if reference.mutability.is_some() {
        return false;
    }
    let Type::Path(path) = &*reference.elem else {
        return false;
    };
    if path.qself.is_some() {
        return false;
    }
    let segments: Vec<String> = path
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    let custom: Vec<String> = krate
        .map(|k| k.segments.iter().map(|s| s.ident.to_string()).collect())
        .unwrap_or_default();
    match segments.split_last() {
        Some((last, prefix)) if last == "Context" => {
            prefix.is_empty()
                || prefix == ["grpool"]
                || (!custom.is_empty() && prefix == custom.as_slice())
        }
        _ => false,
    }
}

/// The part of `ty` that borrows non-`'static` data, if any: a reference other than
/// `&'static T`, or a lifetime other than `'static`.
fn borrowed_part(ty: &Type) -> Option<String> {
    let show = |t: &dyn quote::ToTokens| pretty(t);
    match ty {
        Type::Reference(r) => match &r.lifetime {
            Some(l) if l.ident == "static" => borrowed_part(&r.elem),
            _ => Some(show(r)),
        },
        Type::Path(p) => {
            if let Some(q) = &p.qself {
                if let Some(b) = borrowed_part(&q.ty) {
                    return Some(b);
                }
            }
            p.path.segments.iter().find_map(|seg| match &seg.arguments {
                PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
                    GenericArgument::Lifetime(l) if l.ident != "static" => Some(show(l)),
                    GenericArgument::Type(t) => borrowed_part(t),
                    _ => None,
                }),
                // `Fn(&str)` sugar is higher-ranked: it borrows nothing from the caller.
                _ => None,
            })
        }
        Type::Array(a) => borrowed_part(&a.elem),
        Type::Slice(s) => borrowed_part(&s.elem),
        Type::Paren(p) => borrowed_part(&p.elem),
        Type::Group(g) => borrowed_part(&g.elem),
        Type::Ptr(p) => borrowed_part(&p.elem),
        Type::Tuple(t) => t.elems.iter().find_map(borrowed_part),
        Type::TraitObject(t) => bounds_borrow(t.bounds.iter()),
        Type::ImplTrait(t) => bounds_borrow(t.bounds.iter()),
        _ => None,
    }
}

fn bounds_borrow<'a>(mut bounds: impl Iterator<Item = &'a TypeParamBound>) -> Option<String> {
    bounds.find_map(|b| match b {
        TypeParamBound::Lifetime(l) if l.ident != "static" => Some(pretty(l)),
        _ => None,
    })
}

/// Tokens as a person would write them: `&str`, not `& str`.
fn pretty(tokens: &dyn quote::ToTokens) -> String {
    let mut s = tokens.to_token_stream().to_string();
    for (from, to) in [
        ("& ", "&"),
        (" <", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" ,", ","),
        (":: ", "::"),
        (" ::", "::"),
        ("' ", "'"),
    ] {
        s = s.replace(from, to);
    }
    s
}
