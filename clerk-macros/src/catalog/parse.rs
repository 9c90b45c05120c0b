//! The grammar of `catalog!`:
//!
//! ```text
//! catalog! { roles: ["..."], permissions: ["..."], features: [..], plans: [..] }
//! catalog!(use path::to::module);            // the catalog declared there
//! catalog! { crate = "clerk", roles: [..] }  // clerk-runtime renamed
//! ```

use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Path, Token, bracketed};

use super::Kind;

/// A parsed `catalog!` body, spans kept for validation.
#[derive(Default)]
pub(crate) struct CatalogInput {
    pub(crate) entries: Vec<Entry>,
    /// `use path`: the catalog is the one declared in that module.
    pub(crate) uses: Vec<(Token![use], Path)>,
    /// `crate = "..."`: the path of clerk-runtime.
    pub(crate) runtime: Vec<LitStr>,
}

/// One `key: ["...", ...]` line; `kind` is `None` for an unknown key.
pub(crate) struct Entry {
    pub(crate) key: Ident,
    pub(crate) kind: Option<Kind>,
    pub(crate) values: Vec<LitStr>,
}

impl Parse for CatalogInput {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut this = Self {
            entries: Vec::new(),
            uses: Vec::new(),
            runtime: Vec::new(),
        };
        while !input.is_empty() {
            if input.peek(Token![crate]) {
                input.parse::<Token![crate]>()?;
                input.parse::<Token![=]>()?;
                this.runtime.push(input.parse()?);
            } else if input.peek(Token![use]) {
                let token: Token![use] = input.parse()?;
                let path = Path::parse_mod_style(input).map_err(|e| {
                    syn::Error::new(
                        e.span(),
                        "`use` takes the path of the module whose `catalog!` this crate uses, \
                         e.g. catalog!(use crate::authz) or catalog!(use shared_authz)",
                    )
                })?;
                this.uses.push((token, path));
            } else {
                let key: Ident = input.parse().map_err(|e| {
                    syn::Error::new(
                        e.span(),
                        "expected a list of names, e.g. `roles: [\"org:admin\"]`, or \
                         `use path::to::module` for a catalog declared elsewhere",
                    )
                })?;
                input.parse::<Token![:]>()?;
                let content;
                bracketed!(content in input);
                let values = Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?;
                let kind = Kind::ALL.into_iter().find(|kind| key == kind.plural());
                this.entries.push(Entry {
                    key,
                    kind,
                    values: values.into_iter().collect(),
                });
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(this)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn lists_use_and_crate_parse() {
        let input: CatalogInput =
            syn::parse2(quote!(crate = "clerk", roles: ["org:admin"], plans: [])).unwrap();
        assert_eq!(input.entries.len(), 2);
        assert_eq!(input.runtime[0].value(), "clerk");
        let input: CatalogInput = syn::parse2(quote!(use crate::authz)).unwrap();
        assert_eq!(input.uses.len(), 1);
        let input: CatalogInput = syn::parse2(quote!(use ::shared_authz,)).unwrap();
        assert!(input.uses[0].1.leading_colon.is_some());
    }
}
