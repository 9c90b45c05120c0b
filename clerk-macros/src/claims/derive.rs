//! `#[derive(Claims)]`: `FromClaims` reading each field from the token's
//! custom claims (`ClaimSet::required`/`optional` at the field's path).

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, LitStr, Type};

use crate::ctxt::Ctxt;
use crate::krate::Runtime;

/// One field and the claim path it is read from.
struct Field<'a> {
    ident: &'a syn::Ident,
    path: String,
    optional: bool,
}

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let mut cx = Ctxt::new();
    let runtime = container_runtime(&mut cx, &input).unwrap_or_default();
    let named = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => Some(named),
            Fields::Unnamed(_) | Fields::Unit => {
                cx.error_spanned_by(
                    &input.ident,
                    "#[derive(Claims)] needs a struct with named fields: each field names the \
                     claim it reads, e.g. `struct Extras { email: Option<String> }`",
                );
                None
            }
        },
        Data::Enum(data) => {
            cx.error_spanned_by(
                data.enum_token,
                "#[derive(Claims)] works on structs with named fields, not enums: declare \
                 `struct MyClaims { field: Type, .. }` with one field per claim",
            );
            None
        }
        Data::Union(data) => {
            cx.error_spanned_by(
                data.union_token,
                "#[derive(Claims)] works on structs with named fields, not unions",
            );
            None
        }
    };
    let Some(named) = named else {
        return cx
            .finish()
            .err()
            .map(|e| e.to_compile_error())
            .unwrap_or_default();
    };
    let fields: Vec<Field<'_>> = named
        .named
        .iter()
        .filter_map(|field| {
            let ident = field.ident.as_ref()?;
            let default = ident.to_string().trim_start_matches("r#").to_owned();
            let path = claim_path(&mut cx, field).unwrap_or(default);
            Some(Field {
                ident,
                path,
                optional: is_option(&field.ty),
            })
        })
        .collect();
    let reads = fields.iter().map(|field| read_field(field, &runtime));
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let errors = cx.finish().err().map(|e| e.to_compile_error());
    quote! {
        impl #impl_generics #runtime::FromClaims for #name #ty_generics #where_clause {
            fn from_claims(
                claims: &#runtime::ClaimSet,
            ) -> ::core::result::Result<Self, #runtime::ClaimError> {
                ::core::result::Result::Ok(Self { #(#reads,)* })
            }
            // Kept per verified token when `Self: Clone` (see `ClaimsProbe`).
            fn from_session(
                auth: &#runtime::Auth,
            ) -> ::core::result::Result<Self, #runtime::ClaimError> {
                #[allow(unused_imports)]
                use #runtime::__private::{ReadFresh as _, ReadKept as _};
                (&#runtime::__private::ClaimsProbe::<Self>::NEW).read(auth)
            }
            fn kept_with_token() -> bool {
                #[allow(unused_imports)]
                use #runtime::__private::{ReadFresh as _, ReadKept as _};
                (&#runtime::__private::ClaimsProbe::<Self>::NEW).kept()
            }
        }
        #errors
    }
}

fn read_field(field: &Field<'_>, runtime: &Runtime) -> TokenStream {
    let Field {
        ident,
        path,
        optional,
    } = field;
    // `ClaimSet::required`/`optional` deserialize with serde and name the
    // claim in `ClaimError::Missing`/`Invalid`; the field type picks `T`.
    if *optional {
        quote!(#ident: #runtime::ClaimSet::optional(claims, #path)?)
    } else {
        quote!(#ident: #runtime::ClaimSet::required(claims, #path)?)
    }
}

/// `#[claim(crate = "...")]` on the struct: the path of clerk-runtime.
fn container_runtime(cx: &mut Ctxt, input: &DeriveInput) -> Option<Runtime> {
    let mut runtime = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("claim")) {
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                let lit: LitStr = meta.value()?.parse()?;
                if runtime.is_some() {
                    return Err(meta.error("`crate` is given twice: remove one"));
                }
                runtime = Runtime::from_lit(cx, &lit);
                Ok(())
            } else {
                Err(meta.error(
                    "on the struct, #[claim] takes only `crate = \"...\"` (the path of a renamed \
                     clerk-runtime); put path = \"...\" or rename = \"...\" on a field",
                ))
            }
        });
        if let Err(error) = parsed {
            cx.syn_error(error);
        }
    }
    runtime
}

/// The path from `#[claim(path = "...")]` / `#[claim(rename = "...")]`.
fn claim_path(cx: &mut Ctxt, field: &syn::Field) -> Option<String> {
    let mut path: Option<LitStr> = None;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("claim")) {
        let parsed = attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
            match key.as_str() {
                "path" | "rename" => {
                    let value: LitStr = meta.value()?.parse()?;
                    if path.is_some() {
                        return Err(meta.error(
                            "the claim path is given twice: use one `path = \"...\"` \
                             (`rename` is the same for a top-level claim)",
                        ));
                    }
                    let text = value.value();
                    if text.is_empty() || text.split('.').any(str::is_empty) {
                        return Err(syn::Error::new(
                            value.span(),
                            format!(
                                "invalid claim path \"{text}\": write claim names separated by \
                                 dots, e.g. \"metadata.role\""
                            ),
                        ));
                    }
                    if key == "rename" && text.contains('.') {
                        return Err(syn::Error::new(
                            value.span(),
                            format!("`rename` names a top-level claim: for a nested one write path = \"{text}\""),
                        ));
                    }
                    path = Some(value);
                    Ok(())
                }
                _ => Err(meta.error(
                    "unknown #[claim] argument: accepted are path = \"metadata.role\" (a dotted \
                     path into the claims) and rename = \"claim_name\"",
                )),
            }
        });
        if let Err(error) = parsed {
            cx.syn_error(error);
        }
    }
    path.map(|lit| lit.value())
}

/// `Option<T>` fields may be missing from the token.
fn is_option(ty: &Type) -> bool {
    let Type::Path(path) = ty else { return false };
    path.qself.is_none()
        && path
            .path
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "Option")
}
