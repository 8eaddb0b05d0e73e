//! Formulas: the bank's `$…$` (inline) and `$$…$$` (display) LaTeX, parsed
//! by `pulldown-latex` into a small tree of math data that the booklet's
//! template typesets with Typst's math functions. The tree is data, never
//! Typst markup, so no formula can make the typesetter read a file or run
//! anything. The deck hands the LaTeX itself to Anki's MathJax.
//!
//! Only what both renderers draw the same is accepted: letters, numbers,
//! operators, relations, delimiters, `\frac`, `\sqrt`, scripts, accents,
//! `\left…\right`, `\text`, `\operatorname`, font changes and spaces.
//! Environments, colours, macro definitions and anything the parser
//! refuses are errors that [`parse`] names, for `qbank check` to report at
//! the formula's line.

use pulldown_latex::event::{
    Content, DelimiterType, Dimension, DimensionUnit, Event, Font, Grouping, ScriptPosition,
    ScriptType, StateChange, Visual,
};
use pulldown_latex::{Parser, Storage};
use serde::Serialize;

/// How deeply a formula's groups, fractions and scripts may nest: real
/// formulas use a handful; far deeper ones would exhaust the typesetter.
pub(crate) const MAX_DEPTH: usize = 24;

/// The longest formula, in bytes of LaTeX.
pub(crate) const MAX_LEN: usize = 2_000;

/// One piece of a formula. Serialised with `m` naming the variant.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "m", rename_all = "kebab-case")]
pub(crate) enum Node {
    /// Pieces in a row.
    Seq {
        items: Vec<Node>,
    },
    /// A letter or symbol in the math font; `class` sets its spacing
    /// (`normal`, `binary`, `relation`, `large`, `punctuation`, `opening`,
    /// `closing`, `fence`).
    Sym {
        text: String,
        class: &'static str,
    },
    /// A number, upright.
    Num {
        text: String,
    },
    /// Words in the text font (`\text{…}`).
    Text {
        text: String,
    },
    /// An operator name set upright (`\log`, `\operatorname{softmax}`).
    Op {
        text: String,
    },
    Frac {
        num: Box<Node>,
        den: Box<Node>,
    },
    Sqrt {
        body: Box<Node>,
    },
    Root {
        index: Box<Node>,
        body: Box<Node>,
    },
    /// Scripts on a base: `b` below or subscript, `t` above or superscript.
    /// `limits` is `always` (over and under), `display` (over and under in
    /// a display formula, at the side inline: `\sum`) or `never`.
    Attach {
        base: Box<Node>,
        #[serde(skip_serializing_if = "Option::is_none")]
        b: Option<Box<Node>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        t: Option<Box<Node>>,
        limits: &'static str,
    },
    /// An accent over its base (`\hat{x}`, `\bar{x}`), as a combining mark.
    Accent {
        base: Box<Node>,
        accent: String,
    },
    /// `\left( … \right)`: delimiters that grow with their body.
    Lr {
        left: String,
        right: String,
        body: Box<Node>,
    },
    /// A font change (`\mathbf`, `\mathbb`, `\mathrm`, …) over its body:
    /// `bold`, `bold-upright`, `upright`, `italic`, `bb`, `cal`, `frak`,
    /// `sans`, `mono`.
    Font {
        font: &'static str,
        body: Box<Node>,
    },
    /// Horizontal space, in em.
    Space {
        em: f32,
    },
}

/// A formula that cannot be typeset, with the reason in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MathError(pub(crate) String);

impl std::fmt::Display for MathError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Commands a formula may not use: they define macros or reach outside the
/// formula, and the deck's MathJax would expand them differently.
const REFUSED_COMMANDS: &[&str] = &[
    "def",
    "gdef",
    "edef",
    "xdef",
    "let",
    "newcommand",
    "renewcommand",
    "providecommand",
    "DeclareMathOperator",
    "input",
    "include",
    "href",
    "url",
    "require",
    "color",
    "textcolor",
    "colorbox",
    "fcolorbox",
    "begin",
    "end",
    "label",
    "ref",
    "eqref",
    "tag",
];

/// The control words of `latex` (`\frac` → `frac`).
fn commands(latex: &str) -> impl Iterator<Item = &str> {
    latex.match_indices('\\').filter_map(move |(i, _)| {
        let rest = &latex[i + 1..];
        let end = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        (end > 0).then(|| &rest[..end])
    })
}

/// Parse one formula's LaTeX into its tree.
pub(crate) fn parse(latex: &str) -> Result<Node, MathError> {
    if latex.trim().is_empty() {
        return Err(MathError("an empty formula".into()));
    }
    if latex.len() > MAX_LEN {
        return Err(MathError(format!(
            "a formula of {} bytes; at most {MAX_LEN}, so split it",
            latex.len()
        )));
    }
    if let Some(cmd) = commands(latex).find(|c| REFUSED_COMMANDS.contains(c)) {
        return Err(MathError(format!(
            "`\\{cmd}` is not allowed in a formula (no macros, environments, colours or links)"
        )));
    }
    let storage = Storage::new();
    let mut events = Vec::new();
    for event in Parser::new(latex, &storage) {
        match event {
            Ok(e) => events.push(e),
            Err(e) => {
                // The first line names the problem; the rest is a drawing
                // of the context, which the caller's line number replaces.
                let text = e.to_string();
                let first = text.lines().next().unwrap_or("").trim();
                let first = first.strip_prefix("parsing error: ").unwrap_or(first);
                return Err(MathError(format!("the formula does not parse: {first}")));
            }
        }
    }
    let mut reader = Reader {
        events: events.into_iter().peekable(),
        depth: 0,
    };
    let mut items = Vec::new();
    while reader.events.peek().is_some() {
        reader.sequence_item(&mut items)?;
    }
    Ok(seq(items))
}

fn seq(mut items: Vec<Node>) -> Node {
    if items.len() == 1 {
        items.pop().expect("one item")
    } else {
        Node::Seq { items }
    }
}

struct Reader<'a> {
    events: std::iter::Peekable<std::vec::IntoIter<Event<'a>>>,
    depth: usize,
}

impl<'a> Reader<'a> {
    fn next_event(&mut self) -> Result<Event<'a>, MathError> {
        self.events
            .next()
            .ok_or_else(|| MathError("the formula ends too early".into()))
    }

    /// Read the next item of a sequence into `items`. A font change applies
    /// to the rest of the enclosing group, so it takes what follows.
    fn sequence_item(&mut self, items: &mut Vec<Node>) -> Result<(), MathError> {
        if let Some(Event::StateChange(change)) = self.events.peek() {
            let change = *change;
            self.events.next();
            let mut rest = Vec::new();
            while !matches!(self.events.peek(), None | Some(Event::End)) {
                self.sequence_item(&mut rest)?;
            }
            match change {
                StateChange::Font(font) => items.push(Node::Font {
                    font: font_name(font)?,
                    body: Box::new(seq(rest)),
                }),
                StateChange::Style(_) => items.extend(rest),
                StateChange::Color(_) => {
                    return Err(MathError("colours are not allowed in a formula".into()))
                }
            }
            return Ok(());
        }
        let node = self.element()?;
        items.push(node);
        Ok(())
    }

    /// Read one element: a piece of content, a group, or a construction
    /// with the elements it takes.
    fn element(&mut self) -> Result<Node, MathError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(MathError(format!(
                "the formula nests more than {MAX_DEPTH} levels deep; simplify it"
            )));
        }
        let node = self.element_inner();
        self.depth -= 1;
        node
    }

    fn element_inner(&mut self) -> Result<Node, MathError> {
        match self.next_event()? {
            Event::Content(content) => content_node(content),
            Event::Begin(grouping) => {
                let mut items = Vec::new();
                while !matches!(self.events.peek(), Some(Event::End)) {
                    if self.events.peek().is_none() {
                        return Err(MathError("a group is never closed".into()));
                    }
                    self.sequence_item(&mut items)?;
                }
                self.events.next();
                let body = seq(items);
                match grouping {
                    Grouping::Normal => Ok(body),
                    Grouping::LeftRight(left, right) => Ok(Node::Lr {
                        left: left.map(String::from).unwrap_or_default(),
                        right: right.map(String::from).unwrap_or_default(),
                        body: Box::new(body),
                    }),
                    _ => Err(MathError(
                        "environments (`\\begin{…}`) are not supported in formulas".into(),
                    )),
                }
            }
            Event::End => Err(MathError("a group closes that was never opened".into())),
            Event::Visual(visual) => match visual {
                Visual::SquareRoot => Ok(Node::Sqrt {
                    body: Box::new(self.element()?),
                }),
                Visual::Root => {
                    let body = Box::new(self.element()?);
                    let index = Box::new(self.element()?);
                    Ok(Node::Root { index, body })
                }
                Visual::Fraction(_) => {
                    let num = Box::new(self.element()?);
                    let den = Box::new(self.element()?);
                    Ok(Node::Frac { num, den })
                }
                Visual::Negation => match self.element()? {
                    Node::Sym { text, class } => Ok(Node::Sym {
                        text: format!("{text}\u{338}"),
                        class,
                    }),
                    _ => Err(MathError(
                        "`\\not` before something other than a symbol".into(),
                    )),
                },
            },
            Event::Script { ty, position } => {
                let base = self.element()?;
                let (b, t) = match ty {
                    ScriptType::Subscript => (Some(self.element()?), None),
                    ScriptType::Superscript => (None, Some(self.element()?)),
                    ScriptType::SubSuperscript => {
                        let b = self.element()?;
                        (Some(b), Some(self.element()?))
                    }
                };
                // An accent command is its base with the accent above it.
                if let (ScriptPosition::AboveBelow, None, Some(Node::Sym { text, .. })) =
                    (position, &b, &t)
                {
                    if let Some(accent) = combining_accent(text) {
                        return Ok(Node::Accent {
                            base: Box::new(base),
                            accent: accent.to_string(),
                        });
                    }
                }
                Ok(Node::Attach {
                    base: Box::new(base),
                    b: b.map(Box::new),
                    t: t.map(Box::new),
                    limits: match position {
                        ScriptPosition::AboveBelow => "always",
                        ScriptPosition::Movable => "display",
                        ScriptPosition::Right => "never",
                    },
                })
            }
            Event::Space { width, .. } => Ok(Node::Space {
                em: width.map_or(0.0, em),
            }),
            Event::StateChange(_) => Err(MathError(
                "a font or style change where a single element is expected; wrap it in braces"
                    .into(),
            )),
            Event::EnvironmentFlow(_) => Err(MathError(
                "`&` and `\\\\` belong to environments, which formulas do not support".into(),
            )),
        }
    }
}

/// The combining mark Typst draws over a base for an accent as
/// `pulldown-latex` names it (`\hat` gives `^`).
fn combining_accent(text: &str) -> Option<char> {
    Some(match text {
        "^" | "ˆ" => '\u{302}',
        "‾" | "¯" => '\u{304}',
        "~" | "˜" => '\u{303}',
        "˙" => '\u{307}',
        "¨" => '\u{308}',
        "→" => '\u{20D7}',
        "←" => '\u{20D6}',
        "´" => '\u{301}',
        "`" => '\u{300}',
        "˘" => '\u{306}',
        "ˇ" => '\u{30C}',
        "˚" => '\u{30A}',
        _ => return None,
    })
}

fn em(d: Dimension) -> f32 {
    let value = match d.unit {
        DimensionUnit::Em => d.value,
        DimensionUnit::Mu => d.value / 18.0,
        DimensionUnit::Ex => d.value * 0.43,
        // Absolute units at the booklet's 10 pt body.
        DimensionUnit::Pt | DimensionUnit::Bp | DimensionUnit::Dd => d.value / 10.0,
        DimensionUnit::Pc | DimensionUnit::Cc => d.value * 1.2,
        DimensionUnit::Mm => d.value * 0.2845,
        DimensionUnit::Cm => d.value * 2.845,
        DimensionUnit::In => d.value * 7.227,
        DimensionUnit::Sp => 0.0,
    };
    // Rounded, so the same formula always serialises the same.
    (value.clamp(-4.0, 4.0) * 1000.0).round() / 1000.0
}

fn font_name(font: Option<Font>) -> Result<&'static str, MathError> {
    Ok(match font {
        None | Some(Font::Italic) => "italic",
        Some(Font::UpRight) => "upright",
        Some(Font::Bold) => "bold-upright",
        Some(Font::BoldItalic | Font::BoldSymbol) => "bold",
        Some(Font::DoubleStruck) => "bb",
        Some(Font::Script | Font::BoldScript) => "cal",
        Some(Font::Fraktur | Font::BoldFraktur) => "frak",
        Some(
            Font::SansSerif
            | Font::SansSerifItalic
            | Font::BoldSansSerif
            | Font::SansSerifBoldItalic,
        ) => "sans",
        Some(Font::Monospace) => "mono",
        Some(_) => return Err(MathError("a font the booklet cannot set".into())),
    })
}

fn content_node(content: Content<'_>) -> Result<Node, MathError> {
    let sym = |c: char, class: &'static str| Node::Sym {
        text: c.to_string(),
        class,
    };
    Ok(match content {
        Content::Text(t) => Node::Text { text: t.into() },
        Content::Number(n) => Node::Num { text: n.into() },
        Content::Function(f) => Node::Op { text: f.into() },
        // `\mu` arrives as the micro sign; the Greek letter is what a
        // formula means (and what the math font sets in italic).
        Content::Ordinary {
            content: '\u{b5}', ..
        } => sym('\u{3bc}', "normal"),
        Content::Ordinary { content, .. } => sym(content, "normal"),
        Content::LargeOp { content, .. } => sym(content, "large"),
        // A slash is ordinary, as in TeX: `1/n`, not `1 / n`.
        Content::BinaryOp { content: '/', .. } => sym('/', "normal"),
        Content::BinaryOp { content, .. } => sym(content, "binary"),
        Content::Relation { content, .. } => {
            let mut buf = [0u8; 8];
            let bytes = content.encode_utf8_to_buf(&mut buf);
            Node::Sym {
                text: String::from_utf8_lossy(bytes).into_owned(),
                class: "relation",
            }
        }
        Content::Delimiter { content, ty, .. } => sym(
            content,
            match ty {
                DelimiterType::Open => "opening",
                DelimiterType::Close => "closing",
                DelimiterType::Fence => "fence",
            },
        ),
        Content::Punctuation(c) => sym(c, "punctuation"),
    })
}

/// Every character a formula draws, and whether in the math font (`true`)
/// or the text font (`\text{…}`).
pub(crate) fn characters(node: &Node, out: &mut Vec<(char, bool)>) {
    let mut add = |text: &str, math: bool| out.extend(text.chars().map(|c| (c, math)));
    match node {
        Node::Seq { items } => items.iter().for_each(|n| characters(n, out)),
        Node::Sym { text, .. } | Node::Num { text } | Node::Op { text } => add(text, true),
        Node::Text { text } => add(text, false),
        Node::Frac { num, den } => {
            characters(num, out);
            characters(den, out);
        }
        Node::Sqrt { body } => characters(body, out),
        Node::Root { index, body } => {
            characters(index, out);
            characters(body, out);
        }
        Node::Attach { base, b, t, .. } => {
            characters(base, out);
            b.iter().chain(t).for_each(|n| characters(n, out));
        }
        Node::Accent { base, .. } => characters(base, out),
        Node::Lr { left, right, body } => {
            add(left, true);
            add(right, true);
            characters(body, out);
        }
        Node::Font { body, .. } => characters(body, out),
        Node::Space { .. } => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sym(t: &str, class: &'static str) -> Node {
        Node::Sym {
            text: t.into(),
            class,
        }
    }

    #[test]
    fn letters_operators_and_relations_keep_their_classes() {
        let n = parse("y = a + b").unwrap();
        assert_eq!(
            n,
            Node::Seq {
                items: vec![
                    sym("y", "normal"),
                    sym("=", "relation"),
                    sym("a", "normal"),
                    sym("+", "binary"),
                    sym("b", "normal"),
                ]
            }
        );
        // A hyphen between terms is a true minus sign.
        let Node::Seq { items } = parse("a - b").unwrap() else {
            panic!()
        };
        assert_eq!(items[1], sym("\u{2212}", "binary"));
        // A slash is ordinary, not spaced like an operator.
        let Node::Seq { items } = parse("1/n").unwrap() else {
            panic!()
        };
        assert_eq!(items[1], sym("/", "normal"));
    }

    #[test]
    fn fractions_roots_and_scripts_take_their_elements() {
        let n = parse(r"\frac{QK^\top}{\sqrt{d_k}}").unwrap();
        let Node::Frac { num, den } = n else {
            panic!("{n:?}")
        };
        let Node::Seq { items } = *num else { panic!() };
        assert_eq!(items[0], sym("Q", "normal"));
        assert!(matches!(
            &items[1],
            Node::Attach {
                t: Some(_),
                b: None,
                limits: "never",
                ..
            }
        ));
        let Node::Sqrt { body } = *den else { panic!() };
        assert!(matches!(
            *body,
            Node::Attach {
                b: Some(_),
                t: None,
                ..
            }
        ));
    }

    #[test]
    fn sums_take_limits_in_display_and_accents_sit_on_their_base() {
        let n = parse(r"\sum_{i=1}^{n} \hat{x}_i").unwrap();
        let Node::Seq { items } = n else { panic!() };
        let Node::Attach { base, limits, .. } = &items[0] else {
            panic!("{:?}", items[0])
        };
        assert_eq!(**base, sym("∑", "large"));
        assert_eq!(*limits, "display");
        let Node::Attach { base, .. } = &items[1] else {
            panic!("{:?}", items[1])
        };
        assert!(matches!(**base, Node::Accent { .. }), "{base:?}");
    }

    #[test]
    fn words_operator_names_and_fonts() {
        let n = parse(r"\operatorname{softmax}(z_i) \text{ for all } \mathbb{R}").unwrap();
        let Node::Seq { items } = n else { panic!() };
        assert_eq!(
            items[0],
            Node::Op {
                text: "softmax".into()
            }
        );
        assert!(items.contains(&Node::Text {
            text: " for all ".into()
        }));
        assert!(items
            .iter()
            .any(|n| matches!(n, Node::Font { font: "bb", .. })));
    }

    #[test]
    fn left_right_grow_with_their_body() {
        let n = parse(r"\left( \frac{1}{m} \right)").unwrap();
        assert!(
            matches!(&n, Node::Lr { left, right, .. } if left == "(" && right == ")"),
            "{n:?}"
        );
    }

    #[test]
    fn broken_and_refused_formulas_say_why() {
        for (latex, says) in [
            (r"\frac{1}", "does not parse"),
            (r"x^{2", "does not parse"),
            (r"\undefinedthing x", "does not parse"),
            (r"\newcommand{\x}{y} \x", "not allowed"),
            (r"\begin{matrix} a \end{matrix}", "not allowed"),
            (r"\color{red} x", "not allowed"),
            ("   ", "empty"),
        ] {
            let err = parse(latex).expect_err(latex);
            assert!(err.0.contains(says), "{latex}: {err}");
            assert!(!err.0.contains('\n'), "{latex}: one line: {err}");
        }
        let deep = format!("{}x{}", "{".repeat(40), "}".repeat(40));
        assert!(parse(&deep).unwrap_err().0.contains("nests"));
        assert!(parse(&"x+".repeat(1500)).unwrap_err().0.contains("bytes"));
    }

    #[test]
    fn characters_are_listed_by_font() {
        let mut chars = Vec::new();
        characters(&parse(r"\sigma^2 \text{ ok}").unwrap(), &mut chars);
        assert!(chars.contains(&('σ', true)));
        assert!(chars.contains(&('2', true)));
        assert!(chars.contains(&('k', false)));
    }

    #[test]
    fn the_tree_serialises_with_its_kind() {
        let json = serde_json::to_value(parse(r"\frac{a}{2}").unwrap()).unwrap();
        assert_eq!(json["m"], "frac");
        assert_eq!(json["num"]["m"], "sym");
        assert_eq!(json["den"], serde_json::json!({"m": "num", "text": "2"}));
    }
}
