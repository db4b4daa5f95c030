//! FreeSWITCH `ivr.conf` menus (`<menu name=... greet-long=...><entry action=... digits=...
//! param=.../></menu>`) into flow text.
//!
//! | FreeSWITCH | flow language |
//! | --- | --- |
//! | `greet-long`, `greet-short` | `prompt KEY`, `prompt 2 KEY` |
//! | `invalid-sound` | `invalid KEY` and `no-input KEY` |
//! | `exit-sound` | a `hangup` node reached by `exhausted` |
//! | `timeout`, `inter-digit-timeout` | `timeout`, `inter-digit-timeout` |
//! | `max-failures` (and `max-timeouts`) | `retries` (one counter: the larger of the two) |
//! | `menu-sub` | an edge to that menu |
//! | `menu-top` | an edge to the first menu of the file |
//! | `menu-back` | an edge to the menu that leads to this one (else the first) |
//! | `menu-exit` | a `hangup` node |
//! | `menu-play-sound` | a `say` node, then back to the menu |
//! | `menu-exec-app transfer X` / `bridge X` | a `transfer` node to number `X` |
//! | `digits="/regex/"` | one option per matching key sequence of up to `digit-len` keys |
//!
//! Sounds: `say:text` becomes text for TTS, `phrase:name` and file names become files.

use std::fmt::Write as _;

use super::{ImportError, Imported, Names, Prompts, parse_xml, position, quote};

/// The most options one regex entry may expand to.
pub const MAX_REGEX_EXPANSION: usize = 100;

struct Menu<'a> {
    name: &'a str,
    id: String,
    node: roxmltree::Node<'a, 'a>,
}

fn attr<'a>(n: roxmltree::Node<'a, 'a>, name: &str) -> Option<&'a str> {
    n.attribute(name).map(str::trim).filter(|v| !v.is_empty())
}

fn sound_entry(sound: &str) -> String {
    match sound.strip_prefix("say:") {
        Some(text) => format!("any {}", quote(text)),
        None => format!("any file {}", quote(sound)),
    }
}

fn ms_attr(n: roxmltree::Node<'_, '_>, name: &str) -> Option<u64> {
    attr(n, name).and_then(|v| v.parse::<u64>().ok()).filter(|&v| v <= 24 * 3_600_000)
}

/// All key sequences of 1 to `len` keys (0-9, then * and #) that the regex matches.
fn expand(regex: &str, len: usize) -> Option<Vec<String>> {
    let re = regex_lite::Regex::new(regex).ok()?;
    let len = len.clamp(1, 4);
    let mut out = Vec::new();
    let mut frontier = vec![String::new()];
    for _ in 0..len {
        let mut next = Vec::new();
        for prefix in &frontier {
            for c in "0123456789*#".chars() {
                let s = format!("{prefix}{c}");
                if re.is_match(&s) {
                    out.push(s.clone());
                    if out.len() > MAX_REGEX_EXPANSION {
                        return None;
                    }
                }
                next.push(s);
            }
        }
        frontier = next;
    }
    Some(out)
}

/// Converts a FreeSWITCH IVR menu configuration into flow text.
///
/// # Errors
///
/// [`ImportError::Xml`] for malformed XML, [`ImportError::Unsupported`] when it holds no
/// `<menu>`.
///
/// ```
/// let xml = r#"<include><menu name="main" greet-long="say:Press 1" timeout="5000" max-failures="3">
///   <entry action="menu-exec-app" digits="1" param="transfer 1000 XML default"/>
/// </menu></include>"#;
/// let imported = hotline_ivr::import::freeswitch::convert(xml).unwrap();
/// assert!(hotline_ivr::compile(&imported.text).is_ok(), "{}", imported.text);
/// ```
pub fn convert(xml: &str) -> Result<Imported, ImportError> {
    let doc = parse_xml(xml)?;
    let mut names = Names::default();
    let mut notes = Vec::new();
    let menus: Vec<Menu<'_>> = doc
        .descendants()
        .filter(|n| n.has_tag_name("menu"))
        .map(|n| {
            let name = n.attribute("name").unwrap_or("menu");
            Menu { name, id: names.fresh(name), node: n }
        })
        .collect();
    if menus.is_empty() {
        let (line, column) = position(&doc, doc.root_element());
        return Err(ImportError::Unsupported {
            line,
            column,
            message: "no <menu> element found".into(),
        });
    }
    let by_name = |name: &str| menus.iter().find(|m| m.name == name).map(|m| m.id.clone());
    // menu-back goes to the (first) menu that opens this one with menu-sub.
    let parent_of = |id: &str| -> Option<String> {
        menus.iter().find_map(|m| {
            m.node
                .children()
                .filter(|e| e.has_tag_name("entry"))
                .any(|e| {
                    attr(e, "action") == Some("menu-sub")
                        && attr(e, "param").and_then(by_name).as_deref() == Some(id)
                })
                .then(|| m.id.clone())
        })
    };
    let mut prompts = Prompts::default();
    let mut body = String::new();
    let mut extra = String::new();
    for m in &menus {
        let n = m.node;
        let (line, _) = position(&doc, n);
        let _ = writeln!(body, "\n// FreeSWITCH menu \"{}\" (line {line})", m.name);
        for a in ["tts-engine", "tts-voice", "confirm-macro", "confirm-key"] {
            if let Some(v) = attr(n, a) {
                let _ = writeln!(body, "// {a}=\"{v}\" (not converted)");
            }
        }
        let _ = writeln!(body, "menu {} {{", m.id);
        if let Some(s) = attr(n, "greet-long") {
            let _ = writeln!(
                body,
                "  prompt {}",
                prompts.key(&mut names, &format!("{}_greet_long", m.id), sound_entry(s))
            );
        }
        if let Some(s) = attr(n, "greet-short") {
            let _ = writeln!(
                body,
                "  prompt 2 {}",
                prompts.key(&mut names, &format!("{}_greet_short", m.id), sound_entry(s))
            );
        }
        if let Some(s) = attr(n, "invalid-sound") {
            let k = prompts.key(&mut names, &format!("{}_invalid", m.id), sound_entry(s));
            let _ = writeln!(body, "  invalid {k}\n  no-input {k}");
        }
        let timeout = ms_attr(n, "timeout").unwrap_or(10_000);
        let _ = writeln!(body, "  timeout {timeout}ms");
        if let Some(t) = ms_attr(n, "inter-digit-timeout") {
            let _ = writeln!(body, "  inter-digit-timeout {t}ms");
        }
        let failures =
            attr(n, "max-failures").and_then(|v| v.parse::<u32>().ok()).unwrap_or(3).clamp(1, 20);
        let timeouts = attr(n, "max-timeouts")
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(failures)
            .clamp(1, 20);
        let _ = writeln!(body, "  retries {}", failures.max(timeouts));
        if failures != timeouts {
            notes.push(format!(
                "menu \"{}\": max-failures {failures} and max-timeouts {timeouts} share one retry counter ({})",
                m.name,
                failures.max(timeouts)
            ));
        }
        let digit_len = attr(n, "digit-len").and_then(|v| v.parse::<usize>().ok()).unwrap_or(1);
        let mut used_keys: Vec<String> = Vec::new();
        for e in n.children().filter(|e| e.is_element()) {
            let (eline, _) = position(&doc, e);
            if !e.has_tag_name("entry") {
                notes.push(format!("line {eline}: <{}> ignored", e.tag_name().name()));
                continue;
            }
            let action = attr(e, "action").unwrap_or("");
            let digits = attr(e, "digits").unwrap_or("");
            let param = attr(e, "param").unwrap_or("");
            let keys: Vec<String> = if let Some(re) =
                digits.strip_prefix('/').and_then(|d| d.strip_suffix('/'))
            {
                match expand(re, digit_len) {
                    Some(k) if !k.is_empty() => {
                        notes.push(format!(
                            "line {eline}: regex digits {digits} expanded into {} options",
                            k.len()
                        ));
                        k
                    }
                    _ => {
                        notes.push(format!("line {eline}: regex digits {digits} match nothing or more than {MAX_REGEX_EXPANSION} key sequences of up to {digit_len} keys; entry dropped"));
                        continue;
                    }
                }
            } else if crate::parser::is_keys(digits) {
                vec![digits.to_owned()]
            } else {
                notes.push(format!(
                    "line {eline}: digits \"{digits}\" are not DTMF keys; entry dropped"
                ));
                continue;
            };
            for key in keys {
                if used_keys.contains(&key) {
                    notes.push(format!(
                        "line {eline}: digits {key} already used in menu \"{}\"; entry dropped",
                        m.name
                    ));
                    continue;
                }
                used_keys.push(key.clone());
                let target = match action {
                    "menu-sub" => {
                        match by_name(param) {
                            Some(t) => t,
                            None => {
                                notes.push(format!("line {eline}: menu-sub to unknown menu \"{param}\"; entry dropped"));
                                continue;
                            }
                        }
                    }
                    "menu-top" => menus[0].id.clone(),
                    "menu-back" => parent_of(&m.id).unwrap_or_else(|| menus[0].id.clone()),
                    "menu-exit" => {
                        let id = names.fresh(&format!("{}_exit", m.id));
                        let _ = writeln!(extra, "hangup {id} {{}}");
                        id
                    }
                    "menu-play-sound" => {
                        let id = names.fresh(&format!("{}_{key}_sound", m.id));
                        let k =
                            prompts.key(&mut names, &format!("{id}_prompt"), sound_entry(param));
                        let _ = writeln!(extra, "say {id} {{ prompt {k}; next -> {} }}", m.id);
                        id
                    }
                    "menu-exec-app" => {
                        let mut words = param.split_whitespace();
                        let app = words.next().unwrap_or("");
                        let arg = words.next().unwrap_or("").replace("$1", &key);
                        let rest: Vec<&str> = words.collect();
                        let id = names.fresh(&format!("{}_{key}", m.id));
                        match app {
                            "transfer" | "bridge" => {
                                let _ =
                                    writeln!(extra, "// menu-exec-app \"{param}\" (line {eline})");
                                if !rest.is_empty() {
                                    let _ = writeln!(
                                        extra,
                                        "// dialplan and context: {}",
                                        rest.join(" ")
                                    );
                                }
                                let _ =
                                    writeln!(extra, "transfer {id} {{ number {} }}", quote(&arg));
                            }
                            "playback" => {
                                let k = prompts.key(
                                    &mut names,
                                    &format!("{id}_prompt"),
                                    sound_entry(&arg),
                                );
                                let _ =
                                    writeln!(extra, "say {id} {{ prompt {k}; next -> {} }}", m.id);
                            }
                            "hangup" => {
                                let _ = writeln!(extra, "hangup {id} {{}}");
                            }
                            _ => {
                                notes.push(format!("line {eline}: application \"{app}\" has no equivalent; it became a transfer to flow \"fs:{param}\""));
                                let _ = writeln!(
                                    extra,
                                    "transfer {id} {{ flow {} }}",
                                    quote(&format!("fs:{param}"))
                                );
                            }
                        }
                        id
                    }
                    other => {
                        notes.push(format!(
                            "line {eline}: action \"{other}\" is not supported; entry dropped"
                        ));
                        continue;
                    }
                };
                let _ = writeln!(body, "  {key} -> {target}");
            }
        }
        let exit = names.fresh(&format!("{}_goodbye", m.id));
        let _ = writeln!(body, "  exhausted -> {exit}\n}}");
        match attr(n, "exit-sound") {
            Some(s) => {
                let k = prompts.key(&mut names, &format!("{}_exit_sound", m.id), sound_entry(s));
                let _ = writeln!(extra, "hangup {exit} {{ prompt {k} }}");
            }
            None => {
                let _ = writeln!(extra, "hangup {exit} {{}}");
            }
        }
    }
    let mut text = String::from(
        "// Imported from FreeSWITCH ivr.conf menus by `hotline ivr import --from freeswitch`.\n",
    );
    let _ = writeln!(text, "flow {}", quote(&format!("FreeSWITCH menu {}", menus[0].name)));
    let _ = writeln!(text, "start {}\n", menus[0].id);
    prompts.write(&mut text);
    text.push_str(&body);
    text.push('\n');
    text.push_str(&extra);
    Ok(Imported { text, notes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_expansion() {
        let k = expand("^(10[01][0-9])$", 4).unwrap();
        assert_eq!(k.len(), 20);
        assert_eq!(k[0], "1000");
        assert!(expand("^[0-9]+$", 4).is_none());
    }
}
