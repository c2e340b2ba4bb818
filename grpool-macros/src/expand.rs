//! Code generation only: every check has been made by the time these functions run.

use crate::args::PooledArgs;
use crate::parse::SpawnInput;
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, Pat, ReturnType};

fn krate(args: &PooledArgs) -> TokenStream {
    match &args.krate {
        Some(path) => path.value.to_token_stream(),
        None => quote!(::grpool),
    }
}

fn return_type(item: &ItemFn) -> TokenStream {
    match &item.sig.output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => ty.to_token_stream(),
    }
}

/// The function's new signature: same name, visibility, generics and argument types, each
/// argument renamed so its pattern can be bound inside the job, returning a `JobHandle`.
fn signature(item: &ItemFn, krate: &TokenStream, takes_context: bool) -> TokenStream {
    let sig = &item.sig;
    let (ident, generics) = (&sig.ident, &sig.generics);
    let (impl_generics, _, where_clause) = generics.split_for_impl();
    let inputs = sig
        .inputs
        .iter()
        .enumerate()
        .filter_map(|(i, arg)| match arg {
            FnArg::Typed(pat) => {
                let (attrs, ty) = (&pat.attrs, &pat.ty);
                let name = arg_name(i, takes_context, pat.ty.span());
                Some(quote!(#(#attrs)* #name: #ty))
            }
            FnArg::Receiver(_) => None,
        });
    let ret = return_type(item);
    let vis = &item.vis;
    quote! {
        #vis fn #ident #impl_generics (#(#inputs),*)
            -> ::core::result::Result<#krate::JobHandle<#ret>, #krate::Error>
            #where_clause
    }
}

/// The name an argument gets in the expanded signature. It carries the argument's span, so a
/// failed `Send + 'static` assertion on it points at the user's argument.
fn arg_name(i: usize, takes_context: bool, span: proc_macro2::Span) -> syn::Ident {
    if i == 0 && takes_context {
        format_ident!("__grpool_ctx", span = span)
    } else {
        format_ident!("__grpool_arg{}", i, span = span)
    }
}

/// What the function expands to after a mistake: the expanded signature, so that call sites
/// type-check and show no further errors, and the errors themselves.
pub(crate) fn pooled_stub(
    args: &PooledArgs,
    item: &ItemFn,
    takes_context: bool,
    errors: TokenStream,
) -> TokenStream {
    let krate = krate(args);
    let attrs = &item.attrs;
    let sig = signature(item, &krate, takes_context);
    quote! {
        #(#attrs)*
        #[allow(unused_variables, unreachable_code)]
        #sig {
            #errors
            ::core::panic!("`#[pooled]` failed to expand")
        }
    }
}

pub(crate) fn pooled(args: &PooledArgs, item: &ItemFn, takes_context: bool) -> TokenStream {
    let krate = krate(args);
    let sig = signature(item, &krate, takes_context);
    let (attrs, block) = (&item.attrs, &item.block);
    let ret = return_type(item);
    let fn_name = item.sig.ident.to_string();

    let mut asserts = Vec::new();
    let mut binds = Vec::new();
    let mut ctx_pat: Pat = syn::parse_quote!(_);
    for (i, arg) in item.sig.inputs.iter().enumerate() {
        let FnArg::Typed(pat) = arg else { continue };
        let name = arg_name(i, takes_context, pat.ty.span());
        if i == 0 && takes_context {
            ctx_pat = (*pat.pat).clone();
            continue;
        }
        let user_pat = &pat.pat;
        asserts.push(quote_spanned! {pat.ty.span()=>
            #krate::__private::assert_send_static(&#name);
        });
        binds.push(quote!(let #user_pat = #name;));
    }

    let pool_setup = match (&args.pool, &args.limit, &args.queue) {
        (Some(pool), _, _) => {
            let expr = &pool.value;
            quote! {
                let __grpool_pool = #expr;
                let __grpool_pool = #krate::__private::pool_ref(&__grpool_pool);
            }
        }
        (None, None, None) => quote!(let __grpool_pool = #krate::default_pool();),
        (None, limit, queue) => {
            let some = |v: Option<&crate::args::Spanned<syn::Expr>>| match v {
                Some(v) => {
                    let e = &v.value;
                    quote!(::core::option::Option::Some::<usize>(#e))
                }
                None => quote!(::core::option::Option::None),
            };
            let (limit, queue) = (some(limit.as_ref()), some(queue.as_ref()));
            quote! {
                static __GRPOOL_POOL: #krate::__private::OnceLock<#krate::Pool> =
                    #krate::__private::OnceLock::new();
                let __grpool_pool = __GRPOOL_POOL
                    .get_or_init(|| #krate::__private::private_pool(#fn_name, #limit, #queue));
            }
        }
    };
    let ctx_arg = if takes_context {
        quote!(__grpool_ctx)
    } else {
        quote!(&#krate::Context::background())
    };

    quote! {
        #(#attrs)*
        #sig {
            #(#asserts)*
            #pool_setup
            #krate::Pool::spawn(__grpool_pool, #ctx_arg, move |#ctx_pat: &#krate::Context| -> #ret {
                #(#binds)*
                #block
            })
        }
    }
}

pub(crate) fn spawn_pooled(input: SpawnInput) -> TokenStream {
    let SpawnInput {
        pool,
        ctx,
        captures,
        mut closure,
    } = input;
    let span = closure.span();
    closure.capture = Some(syn::Token![move](closure.or1_token_span()));
    if closure.inputs.is_empty() {
        closure.inputs.push(syn::parse_quote!(_));
    }
    let pool = match pool {
        Some(expr) => quote_spanned!(expr.span()=> ::grpool::__private::pool_ref(&(#expr))),
        None => quote!(::grpool::default_pool()),
    };
    let ctx = match ctx {
        Some(expr) => expr.to_token_stream(),
        None => quote!(&::grpool::Context::background()),
    };
    let clones = captures.iter().map(|c| {
        quote_spanned! {c.span()=>
            let #c = ::core::clone::Clone::clone(&#c);
            ::grpool::__private::assert_send_static(&#c);
        }
    });
    let call = quote_spanned!(span=> ::grpool::Pool::spawn);
    quote! {
        {
            #(#clones)*
            #call(#pool, #ctx, #closure)
        }
    }
}

/// The span of a closure's opening `|`, for the `move` added before it.
trait Or1Span {
    fn or1_token_span(&self) -> proc_macro2::Span;
}

impl Or1Span for syn::ExprClosure {
    fn or1_token_span(&self) -> proc_macro2::Span {
        self.inputs_begin.span()
    }
}
