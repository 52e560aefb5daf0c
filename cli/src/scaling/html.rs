//! A self-contained HTML report: plots inlined as SVG, tables as HTML, one
//! small stylesheet, no scripts and no external resources.
//!
//! Invariant: every text that came from outside (titles, cell values) is
//! escaped; only the SVG plots, produced by this crate, are inlined as markup.

/// A table: caption, column headings, rows of cells.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// Caption above the table.
    pub caption: String,
    /// Column headings.
    pub head: Vec<String>,
    /// Rows, each as many cells as headings.
    pub rows: Vec<Vec<String>>,
}

/// The content of a report page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// Page title and first heading.
    pub title: String,
    /// Key–value facts shown first (machine, workload, fits).
    pub summary: Vec<(String, String)>,
    /// Plots: caption and SVG markup.
    pub plots: Vec<(String, String)>,
    /// Tables, after the plots.
    pub tables: Vec<Table>,
    /// Closing paragraphs (plain text).
    pub notes: Vec<String>,
}

/// Escapes `&`, `<`, `>` and `"` for HTML text and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// The SVG element of a plot, without any XML declaration before it.
fn inline_svg(svg: &str) -> &str {
    svg.find("<svg").map_or(svg, |i| &svg[i..])
}

/// Renders the page.
pub fn render(r: &Report) -> String {
    let mut h = String::new();
    h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    h += &format!("<title>{}</title>\n", escape(&r.title));
    h += "<style>\nbody{font-family:sans-serif;margin:2em;color:#222;background:#fff}\n\
          table{border-collapse:collapse;margin:1em 0}\n\
          td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}\n\
          th{background:#eef}\ncaption{font-weight:bold;text-align:left;padding:4px 0}\n\
          figure{display:inline-block;margin:1em 1em 1em 0}\n\
          figure svg{width:600px;height:auto;border:1px solid #ddd}\n</style>\n</head>\n<body>\n";
    h += &format!("<h1>{}</h1>\n<table class=\"summary\">\n", escape(&r.title));
    for (k, v) in &r.summary {
        h += &format!(
            "<tr><th>{}</th><td style=\"text-align:left\">{}</td></tr>\n",
            escape(k),
            escape(v)
        );
    }
    h += "</table>\n";
    for (caption, svg) in &r.plots {
        h += &format!(
            "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
            inline_svg(svg),
            escape(caption)
        );
    }
    for t in &r.tables {
        h += &format!("<table>\n<caption>{}</caption>\n<tr>", escape(&t.caption));
        for c in &t.head {
            h += &format!("<th>{}</th>", escape(c));
        }
        h += "</tr>\n";
        for row in &t.rows {
            h += "<tr>";
            for c in row {
                h += &format!("<td>{}</td>", escape(c));
            }
            h += "</tr>\n";
        }
        h += "</table>\n";
    }
    for n in &r.notes {
        h += &format!("<p>{}</p>\n", escape(n));
    }
    h += "</body>\n</html>\n";
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_svg_is_inlined_without_its_declaration() {
        let r = Report {
            title: "a<b & \"c\"".into(),
            summary: vec![("k".into(), "<v>".into())],
            plots: vec![(
                "plot".into(),
                "<?xml version=\"1.0\"?>\n<svg width=\"1\"></svg>".into(),
            )],
            tables: vec![Table {
                caption: "t".into(),
                head: vec!["x".into()],
                rows: vec![vec!["1<2".into()]],
            }],
            notes: vec!["done".into()],
        };
        let html = render(&r);
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<title>a&lt;b &amp; &quot;c&quot;</title>"));
        assert!(html.contains("<td>1&lt;2</td>"));
        assert!(html.contains("<svg width=\"1\"></svg>"));
        assert!(!html.contains("<?xml"));
        assert!(!html.contains("<script") && !html.contains("http"));
    }
}
