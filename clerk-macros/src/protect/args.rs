//! `#[protect(...)]` arguments parsed into typed requirements.

use proc_macro2::TokenStream;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, Lit, LitStr, Meta, Path, Token};

use clerk_rules::fresh::{Fresh, parse_fresh};
use clerk_rules::names::did_you_mean;

use crate::catalog::{Kind, check_shape_of};
use crate::ctxt::Ctxt;
use crate::krate::Runtime;

/// Every argument `#[protect]` accepts, for the "unknown argument" error.
const ACCEPTED: [&str; 16] = [
    "accepts",
    "scope",
    "role",
    "permission",
    "feature",
    "plan",
    "org",
    "fresh",
    "condition",
    "pending",
    "rate_limit",
    "any",
    "all",
    "catalog",
    "unchecked",
    "crate",
];

/// One requirement; the top level and `all(...)` AND them, `any(...)` ORs.
#[derive(Debug)]
pub(crate) enum Req {
    Name(Kind, LitStr),
    Org,
    Fresh(Fresh),
    Condition(Path),
    Any(Vec<Req>),
    All(Vec<Req>),
}

/// Clerk's token type names (`TokenType`), and `any` for all of them.
const TOKEN_TYPES: [&str; 5] = [
    "session_token",
    "api_key",
    "m2m_token",
    "oauth_token",
    "any",
];

/// `accepts = "..."` / `accepts = [...]`: the token types a route accepts.
#[derive(Debug)]
pub(crate) struct AcceptsArg {
    /// The valid type names given (`any` expanded to all four).
    pub(crate) types: Vec<&'static str>,
}

impl AcceptsArg {
    pub(crate) fn session(&self) -> bool {
        self.types.contains(&"session_token")
    }

    pub(crate) fn machines(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.types.iter().copied().filter(|t| *t != "session_token")
    }
}

/// Which catalog the names are checked against.
#[derive(Debug, Default)]
pub(crate) enum CatalogChoice {
    /// The one the source scan finds (see `catalog::locate`).
    #[default]
    Scan,
    /// `catalog = path`: the module whose `catalog!` to use.
    Path(Path),
    /// `unchecked`: names are checked for shape only.
    Unchecked,
    /// A `catalog` or `unchecked` argument that was malformed (and reported).
    Invalid,
}

/// The parsed attribute.
#[derive(Default)]
pub(crate) struct Args {
    pub(crate) reqs: Vec<Req>,
    pub(crate) pending: bool,
    /// `rate_limit = "10/10s"`, already validated.
    pub(crate) rate_limit: Option<LitStr>,
    /// `accepts = ...`; `None`: session tokens only.
    pub(crate) accepts: Option<AcceptsArg>,
    /// `scope = "..."` / `scope = [...]`: every scope a machine token needs.
    pub(crate) scopes: Vec<LitStr>,
    /// Every well-shaped role, permission, feature and plan, at any depth,
    /// for the catalog check.
    pub(crate) names: Vec<(Kind, LitStr)>,
    pub(crate) catalog: CatalogChoice,
    /// `crate = "..."`.
    pub(crate) runtime: Option<Runtime>,
}

pub(crate) fn parse_args(cx: &mut Ctxt, tokens: TokenStream) -> Args {
    let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(tokens) {
        Ok(metas) => metas,
        Err(error) => {
            cx.syn_error(error);
            return Args::default();
        }
    };
    let mut args = Args::default();
    let mut misplaced_catalog = false;
    let mut seen: Vec<(String, Path)> = Vec::new();
    // Top-level arguments that check a session, for the machine-only check.
    let mut session_checks: Vec<(String, Path)> = Vec::new();
    let mut scope_key: Option<Path> = None;
    for meta in &metas {
        let key = meta.path();
        if let Some(ident) = key.get_ident() {
            let name = ident.to_string();
            if !matches!(name.as_str(), "any" | "all") && ACCEPTED.contains(&name.as_str()) {
                if seen.iter().any(|(seen_name, _)| *seen_name == name) {
                    cx.error_spanned_by(key, duplicate_message(&name));
                    continue;
                }
                seen.push((name.clone(), key.clone()));
            }
            if name == "pending" {
                expect_flag(cx, meta, "pending");
                args.pending = true;
                continue;
            }
            if name == "rate_limit" {
                args.rate_limit = crate::rate_limit::parse(cx, meta);
                continue;
            }
            if name == "crate" {
                args.runtime = Runtime::from_meta(cx, meta);
                continue;
            }
            if name == "accepts" {
                args.accepts = parse_accepts(cx, meta);
                continue;
            }
            if name == "scope" {
                scope_key = Some(key.clone());
                for lit in parse_scopes(cx, meta) {
                    if check_shape_of(cx, Kind::Scope, &lit) {
                        args.names.push((Kind::Scope, lit.clone()));
                    }
                    args.scopes.push(lit);
                }
                continue;
            }
            if SESSION_CHECKS.contains(&name.as_str()) {
                session_checks.push((name.clone(), key.clone()));
            }
            if name == "unchecked" {
                expect_flag(cx, meta, "unchecked");
                args.catalog = CatalogChoice::Unchecked;
                continue;
            }
            if name == "catalog" {
                args.catalog = match parse_catalog_path(cx, meta) {
                    Some(path) => CatalogChoice::Path(path),
                    None => CatalogChoice::Invalid,
                };
                continue;
            }
        }
        let mut found = Found {
            names: &mut args.names,
            misplaced_catalog: &mut misplaced_catalog,
        };
        if let Some(req) = parse_req(cx, meta, &mut found) {
            args.reqs.push(req);
        }
    }
    check_accepts(cx, &args, &session_checks, scope_key.as_ref());
    if misplaced_catalog && matches!(args.catalog, CatalogChoice::Scan) {
        args.catalog = CatalogChoice::Invalid;
    }
    let catalog_key = seen.iter().find(|(name, _)| name == "catalog");
    let unchecked_key = seen.iter().find(|(name, _)| name == "unchecked");
    if let (Some(_), Some((_, key))) = (catalog_key, unchecked_key) {
        cx.error_spanned_by(
            key,
            "`unchecked` and `catalog = ...` contradict each other: `catalog` checks the names \
             against that catalog, `unchecked` checks only their shape; remove one",
        );
    }
    args
}

/// The arguments that check a session, meaningless for a machine token.
const SESSION_CHECKS: [&str; 10] = [
    "role",
    "permission",
    "feature",
    "plan",
    "org",
    "fresh",
    "condition",
    "pending",
    "any",
    "all",
];

/// `accepts = "api_key"`, `accepts = ["session_token", "m2m_token"]` or
/// `accepts = "any"`; unknown names are reported with a did-you-mean.
fn parse_accepts(cx: &mut Ctxt, meta: &Meta) -> Option<AcceptsArg> {
    let hint = "`accepts` takes a token type or a list of them: write accepts = \"api_key\" or \
                accepts = [\"session_token\", \"m2m_token\"] (types: session_token, api_key, \
                m2m_token, oauth_token, or \"any\")";
    let lits = string_or_list(cx, meta, hint)?;
    let mut types: Vec<&'static str> = Vec::new();
    let mut ok = true;
    for lit in &lits {
        let value = lit.value();
        match TOKEN_TYPES.iter().find(|t| **t == value) {
            Some(&"any") if lits.len() > 1 => {
                cx.error_spanned_by(
                    lit,
                    "\"any\" already accepts every token type: write accepts = \"any\" alone",
                );
                ok = false;
            }
            Some(&"any") => types.extend(TOKEN_TYPES[..4].iter().copied()),
            Some(t) if types.contains(t) => {
                cx.error_spanned_by(
                    lit,
                    format!("\"{t}\" is listed twice in `accepts`: remove one"),
                );
                ok = false;
            }
            Some(t) => types.push(t),
            None => {
                let hint = did_you_mean(&value, &TOKEN_TYPES)
                    .map(|s| format!(": did you mean \"{s}\"?"))
                    .unwrap_or_default();
                cx.error_spanned_by(
                    lit,
                    format!(
                        "unknown token type \"{value}\"{hint}\naccepted: session_token, api_key, \
                         m2m_token, oauth_token, any"
                    ),
                );
                ok = false;
            }
        }
    }
    if lits.is_empty() {
        cx.error_spanned_by(meta, hint);
        return None;
    }
    ok.then_some(AcceptsArg { types })
}

/// `scope = "invoices:read"` or `scope = ["invoices:read", "invoices:export"]`.
fn parse_scopes(cx: &mut Ctxt, meta: &Meta) -> Vec<LitStr> {
    let hint = "`scope` takes a scope or a list of scopes a machine token must all carry: \
                write scope = \"invoices:read\" or scope = [\"invoices:read\", \"invoices:export\"]";
    let lits = string_or_list(cx, meta, hint).unwrap_or_default();
    if lits.is_empty() {
        cx.error_spanned_by(meta, hint);
    }
    lits
}

/// A string literal, or an array of them.
fn string_or_list(cx: &mut Ctxt, meta: &Meta, hint: &str) -> Option<Vec<LitStr>> {
    let Meta::NameValue(nv) = meta else {
        cx.error_spanned_by(meta, hint);
        return None;
    };
    match &nv.value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Some(vec![lit.clone()]),
        Expr::Array(array) => {
            let mut lits = Vec::new();
            for elem in &array.elems {
                match elem {
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(lit), ..
                    }) => lits.push(lit.clone()),
                    other => cx.error_spanned_by(other, hint),
                }
            }
            Some(lits)
        }
        other => {
            cx.error_spanned_by(other, hint);
            None
        }
    }
}

/// What `accepts` implies for the other arguments: scopes need a machine
/// type, and a route that accepts no session has no session to check.
fn check_accepts(
    cx: &mut Ctxt,
    args: &Args,
    session_checks: &[(String, Path)],
    scope_key: Option<&Path>,
) {
    let machines = args
        .accepts
        .as_ref()
        .is_some_and(|a| a.machines().next().is_some());
    if let Some(key) = scope_key
        && !machines
        && args.accepts.is_some()
    {
        cx.error_spanned_by(
            key,
            "`scope` applies to machine tokens, and this route accepts none: add \
             \"api_key\", \"m2m_token\" or \"oauth_token\" to `accepts`, or remove `scope`",
        );
    } else if let Some(key) = scope_key
        && args.accepts.is_none()
    {
        cx.error_spanned_by(
            key,
            "`scope` applies to machine tokens, and this route accepts session tokens only: \
             write accepts = \"api_key\" (or \"m2m_token\", \"oauth_token\", a list) before it",
        );
    }
    let Some(accepts) = &args.accepts else {
        return;
    };
    if accepts.session() {
        return;
    }
    let types = accepts.machines().collect::<Vec<_>>().join(", ");
    for (name, key) in session_checks {
        cx.error_spanned_by(
            key,
            format!(
                "`{name}` checks a session, but this route accepts only machine tokens ({types}), \
                 which have no session: check a `scope` instead, or add \"session_token\" to \
                 `accepts` (then `{name}` applies to sessions)"
            ),
        );
    }
}

/// `catalog = path::to::module`: the module (of this crate or another)
/// whose `catalog!` the names are checked against.
fn parse_catalog_path(cx: &mut Ctxt, meta: &Meta) -> Option<Path> {
    let hint = "`catalog` takes the path of the module that invokes `catalog!`, e.g. \
                catalog = crate::authz or catalog = shared_authz";
    match meta {
        Meta::NameValue(nv) => match &nv.value {
            Expr::Path(path) if path.qself.is_none() => Some(path.path.clone()),
            Expr::Lit(ExprLit {
                lit: Lit::Str(lit), ..
            }) => {
                cx.error_spanned_by(
                    lit,
                    format!("{hint}; write catalog = {} (without quotes)", lit.value()),
                );
                None
            }
            other => {
                cx.error_spanned_by(other, hint);
                None
            }
        },
        _ => {
            cx.error_spanned_by(meta, hint);
            None
        }
    }
}

fn duplicate_message(name: &str) -> String {
    match name {
        "role" => "`role` is given twice: a session has one active organization role, so both \
                   can never hold; to accept either write any(role = \"...\", role = \"...\")"
            .to_owned(),
        "org" | "pending" | "unchecked" | "catalog" | "crate" => {
            format!("`{name}` is given twice: remove one")
        }
        "accepts" => "`accepts` is given twice: list every type once, e.g. \
                      accepts = [\"api_key\", \"m2m_token\"]"
            .to_owned(),
        "scope" => "`scope` is given twice: to require several scopes write \
                    scope = [\"invoices:read\", \"invoices:export\"]"
            .to_owned(),
        "rate_limit" => "`rate_limit` is given twice: a route has one limit; remove one".to_owned(),
        _ => format!(
            "`{name}` is given twice: to require both write all({name} = \"...\", {name} = \"...\"), \
             to accept either write any({name} = \"...\", {name} = \"...\")"
        ),
    }
}

/// What `parse_req` collects besides the requirement.
struct Found<'a> {
    names: &'a mut Vec<(Kind, LitStr)>,
    /// A `catalog`/`unchecked` inside `any`/`all` (reported).
    misplaced_catalog: &'a mut bool,
}

fn parse_req(cx: &mut Ctxt, meta: &Meta, found: &mut Found<'_>) -> Option<Req> {
    let key = meta.path();
    let Some(ident) = key.get_ident() else {
        cx.error_spanned_by(key, unknown_message(&path_text(key)));
        return None;
    };
    let name = ident.to_string();
    match name.as_str() {
        "role" | "permission" | "feature" | "plan" => {
            let kind = Kind::ALL.into_iter().find(|k| k.singular() == name)?;
            let lit = expect_str(cx, meta, &name, example(kind))?;
            if check_shape_of(cx, kind, &lit) {
                found.names.push((kind, lit.clone()));
            }
            Some(Req::Name(kind, lit))
        }
        "org" => {
            expect_flag(cx, meta, "org");
            Some(Req::Org)
        }
        "pending" => {
            cx.error_spanned_by(
                key,
                "`pending` applies to the whole route, not to one branch: put it at the top \
                 level, e.g. #[protect(pending, any(...))]",
            );
            None
        }
        "crate" | "catalog" | "unchecked" => {
            if name != "crate" {
                *found.misplaced_catalog = true;
            }
            cx.error_spanned_by(
                key,
                format!(
                    "`{name}` applies to the whole attribute, not to one branch: put it at the \
                     top level, e.g. #[protect({name}{}, any(...))]",
                    match name.as_str() {
                        "crate" => " = \"clerk\"",
                        "catalog" => " = crate::authz",
                        _ => "",
                    }
                ),
            );
            None
        }
        "accepts" | "scope" => {
            cx.error_spanned_by(
                key,
                format!(
                    "`{name}` applies to the whole route, not to one branch: put it at the top \
                     level, e.g. #[protect(accepts = \"api_key\", scope = \"invoices:read\")]"
                ),
            );
            None
        }
        "rate_limit" => {
            cx.error_spanned_by(
                key,
                "`rate_limit` applies to the whole route, not to one branch: put it at the top \
                 level, e.g. #[protect(any(...), rate_limit = \"10/10s\")]",
            );
            None
        }
        "fresh" => {
            let lit = expect_str(cx, meta, "fresh", "\"strict\"")?;
            match parse_fresh(&lit.value()) {
                Ok(fresh) => Some(Req::Fresh(fresh)),
                Err(message) => {
                    cx.error_spanned_by(&lit, message);
                    None
                }
            }
        }
        "condition" => parse_condition(cx, meta),
        "any" | "all" => {
            let list = match meta {
                Meta::List(list) => list,
                _ => {
                    cx.error_spanned_by(
                        meta,
                        format!("`{name}` takes a list: write {name}(role = \"org:admin\", permission = \"org:data:write\")"),
                    );
                    return None;
                }
            };
            let nested = match list.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
            {
                Ok(nested) => nested,
                Err(error) => {
                    cx.syn_error(error);
                    return None;
                }
            };
            if nested.is_empty() {
                cx.error_spanned_by(
                    meta,
                    format!(
                        "`{name}()` is empty: give it at least one requirement, \
                         e.g. {name}(role = \"org:admin\", permission = \"org:data:delete\")"
                    ),
                );
                return None;
            }
            let reqs: Vec<Req> = nested
                .iter()
                .filter_map(|m| parse_req(cx, m, found))
                .collect();
            Some(if name == "any" {
                Req::Any(reqs)
            } else {
                Req::All(reqs)
            })
        }
        _ => {
            cx.error_spanned_by(key, unknown_message(&name));
            None
        }
    }
}

fn parse_condition(cx: &mut Ctxt, meta: &Meta) -> Option<Req> {
    let hint = "`condition` takes the path of a `fn(&Auth) -> bool`: write condition = is_owner";
    let quoted = "`condition` takes the path of a `fn(&Auth) -> bool`, not a string";
    match meta {
        Meta::NameValue(nv) => match &nv.value {
            Expr::Path(path) if path.qself.is_none() => Some(Req::Condition(path.path.clone())),
            Expr::Lit(ExprLit {
                lit: Lit::Str(lit), ..
            }) => {
                cx.error_spanned_by(
                    lit,
                    format!(
                        "{quoted}: write condition = {} (without quotes)",
                        lit.value()
                    ),
                );
                None
            }
            other => {
                cx.error_spanned_by(other, hint);
                None
            }
        },
        _ => {
            cx.error_spanned_by(meta, hint);
            None
        }
    }
}

fn example(kind: Kind) -> &'static str {
    match kind {
        Kind::Role => "\"org:admin\"",
        Kind::Permission => "\"org:data:read\"",
        Kind::Feature => "\"o:data\"",
        Kind::Plan => "\"o:pro\"",
        Kind::Scope => "\"invoices:read\"",
    }
}

fn expect_str(cx: &mut Ctxt, meta: &Meta, name: &str, example: &str) -> Option<LitStr> {
    let message = format!("`{name}` takes a string literal: write {name} = {example}");
    match meta {
        Meta::NameValue(nv) => match &nv.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(lit), ..
            }) => Some(lit.clone()),
            other => {
                cx.error_spanned_by(other, message);
                None
            }
        },
        _ => {
            cx.error_spanned_by(meta, message);
            None
        }
    }
}

fn expect_flag(cx: &mut Ctxt, meta: &Meta, name: &str) {
    if !matches!(meta, Meta::Path(_)) {
        cx.error_spanned_by(meta, format!("`{name}` takes no value: write `{name}`"));
    }
}

fn unknown_message(name: &str) -> String {
    let hint = did_you_mean(name, &ACCEPTED)
        .map(|s| format!(": did you mean `{s}`?"))
        .unwrap_or_default();
    format!(
        "unknown argument `{name}` in #[protect]{hint}\naccepted: {}",
        ACCEPTED.join(", ")
    )
}

fn path_text(path: &Path) -> String {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    segments.join("::")
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn parse(tokens: TokenStream) -> (Args, Result<(), syn::Error>) {
        let mut cx = Ctxt::new();
        let args = parse_args(&mut cx, tokens);
        (args, cx.finish())
    }

    #[test]
    fn bare_protect_has_no_requirements() {
        let (args, result) = parse(quote!());
        assert!(result.is_ok());
        assert!(args.reqs.is_empty() && !args.pending);
    }

    #[test]
    fn nested_any_all_parse() {
        let (args, result) = parse(quote!(
            any(role = "org:admin", all(org, permission = "org:data:read")),
            pending
        ));
        assert!(result.is_ok());
        assert!(args.pending);
        assert!(
            matches!(&args.reqs[..], [Req::Any(inner)] if matches!(&inner[1], Req::All(all) if all.len() == 2))
        );
    }

    #[test]
    fn errors_accumulate() {
        let (_, result) = parse(quote!(role = "admin", rol = "org:x", fresh = "soon"));
        let messages: Vec<String> = result
            .unwrap_err()
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[1].contains("did you mean `role`?"), "{messages:?}");
    }

    #[test]
    fn duplicate_role_suggests_any() {
        let (_, result) = parse(quote!(role = "org:a", role = "org:b"));
        assert!(result.unwrap_err().to_string().contains("any(role"));
    }

    #[test]
    fn duplicates_inside_any_are_fine() {
        let (_, result) = parse(quote!(any(role = "org:a", role = "org:b")));
        assert!(result.is_ok());
    }

    #[test]
    fn rate_limit_is_kept_apart_from_the_requirements() {
        let (args, result) = parse(quote!(role = "org:admin", rate_limit = "10/10s"));
        assert!(result.is_ok());
        assert_eq!(args.reqs.len(), 1);
        assert_eq!(args.rate_limit.unwrap().value(), "10/10s");
    }

    #[test]
    fn rate_limit_inside_any_is_rejected() {
        let (_, result) = parse(quote!(any(role = "org:a", rate_limit = "1/1s")));
        assert!(result.unwrap_err().to_string().contains("whole route"));
    }

    #[test]
    fn malformed_rate_limit_accumulates_with_other_errors() {
        let (_, result) = parse(quote!(rate_limit = "10/0s", rol = "org:x"));
        assert_eq!(result.unwrap_err().into_iter().count(), 2);
    }

    #[test]
    fn condition_as_string_is_rejected() {
        let (_, result) = parse(quote!(condition = "is_owner"));
        assert!(result.unwrap_err().to_string().contains("without quotes"));
    }
}
