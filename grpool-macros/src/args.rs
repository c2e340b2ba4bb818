//! The arguments of `#[pooled(...)]`, each kept with its span.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::{Expr, ExprLit, Lit, LitStr, Path};

/// The keys `#[pooled]` accepts, in the order error messages list them.
pub(crate) const LIMIT: &str = "limit";
pub(crate) const POOL: &str = "pool";
pub(crate) const QUEUE: &str = "queue";
pub(crate) const CRATE: &str = "crate";
const KEYS: &[&str] = &[LIMIT, POOL, QUEUE, CRATE];

/// A parsed argument and the span of its key, for errors that name it.
pub(crate) struct Spanned<T> {
    pub(crate) value: T,
    pub(crate) key: Span,
}

#[derive(Default)]
pub(crate) struct PooledArgs {
    /// An integer literal or a constant expression.
    pub(crate) limit: Option<Spanned<Expr>>,
    pub(crate) pool: Option<Spanned<Expr>>,
    pub(crate) queue: Option<Spanned<Expr>>,
    pub(crate) krate: Option<Spanned<Path>>,
}

impl PooledArgs {
    /// Parses one `key = value` pair (the callback of `syn::meta::parser`).
    pub(crate) fn parse_one(&mut self, meta: ParseNestedMeta<'_>) -> syn::Result<()> {
        let key_span = meta
            .path
            .get_ident()
            .map_or_else(|| meta.input.span(), |i| i.span());
        let key = match meta.path.get_ident() {
            Some(ident) => ident.to_string(),
            None => return Err(unknown_key(&meta)),
        };
        match key.as_str() {
            LIMIT => set(
                &meta,
                &mut self.limit,
                LIMIT,
                key_span,
                size_value(&meta, LIMIT)?,
            ),
            QUEUE => set(
                &meta,
                &mut self.queue,
                QUEUE,
                key_span,
                size_value(&meta, QUEUE)?,
            ),
            POOL => {
                let expr: Expr = meta.value()?.parse()?;
                set(&meta, &mut self.pool, POOL, key_span, expr)
            }
            "crate" => {
                let lit: LitStr = meta.value()?.parse()?;
                let path = lit.parse::<Path>().map_err(|_| {
                    syn::Error::new(
                        lit.span(),
                        "`crate` takes a path in a string, like `crate = \"my_grpool\"`",
                    )
                })?;
                set(&meta, &mut self.krate, CRATE, key_span, path)
            }
            _ => Err(unknown_key(&meta)),
        }
    }
}

fn unknown_key(meta: &ParseNestedMeta<'_>) -> syn::Error {
    let name = quote::ToTokens::to_token_stream(&meta.path)
        .to_string()
        .replace(' ', "");
    let expected = KEYS
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    meta.error(format_args!(
        "unknown `pooled` argument `{name}`; expected one of: {expected}"
    ))
}

fn set<T>(
    meta: &ParseNestedMeta<'_>,
    slot: &mut Option<Spanned<T>>,
    key: &str,
    span: Span,
    value: T,
) -> syn::Result<()> {
    if slot.is_some() {
        return Err(meta.error(format_args!("`{key}` is given twice; keep one")));
    }
    *slot = Some(Spanned { value, key: span });
    Ok(())
}

/// `limit = N` or `queue = N`: an integer literal (not zero) or an expression that is not some
/// other kind of literal.
fn size_value(meta: &ParseNestedMeta<'_>, key: &str) -> syn::Result<Expr> {
    let not_a_size = |span| {
        syn::Error::new(
            span,
            format_args!(
                "`{key}` must be an integer literal or a constant expression, like `{key} = 100`"
            ),
        )
    };
    let expr: Expr = meta.value()?.parse().map_err(|e| not_a_size(e.span()))?;
    if let Expr::Lit(ExprLit { lit, .. }) = &expr {
        let Lit::Int(int) = lit else {
            return Err(not_a_size(lit.span()));
        };
        if int
            .base10_parse::<usize>()
            .map_err(|e| syn::Error::new(int.span(), e))?
            == 0
        {
            let fix = match key {
                LIMIT => "a pool needs at least one worker; leave `limit` out for no limit",
                _ => "a bounded queue needs room for at least one job; leave `queue` out for an unbounded queue",
            };
            return Err(syn::Error::new_spanned(
                &expr,
                format_args!("`{key} = 0` is not allowed: {fix}"),
            ));
        }
    }
    Ok(expr)
}
