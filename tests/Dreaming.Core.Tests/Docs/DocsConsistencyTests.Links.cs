using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Dreaming.Tests;

/// <summary>Every relative link of the docs and the README names a page and a heading that exist, the heading's anchor
/// made as GitHub makes it.</summary>
public partial class DocsConsistencyTests
{
    [Fact]
    public void Every_relative_link_points_at_a_page_and_a_heading_that_exist()
    {
        var (broken, checkedLinks) = BrokenLinks(Pages().ToDictionary(page => page, Read, StringComparer.Ordinal));

        Assert.True(checkedLinks > 20, $"only {checkedLinks} links found");
        Assert.True(broken.Count == 0, string.Join(Environment.NewLine, broken));
    }

    [Fact]
    public void A_link_to_a_page_outside_the_copied_docs_is_not_reported_broken()
    {
        // Only docs/*.md and README.md are copied to the test output: a link from them to another page of the repository
        // (a sample's rubric) cannot be checked here, and is skipped like a link to a source file.
        var pages = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["docs/a.md"] = "# A\n\nSee [the rubric](../samples/orchestration/rubrics/release-note.md), [B](b.md#title), [gone](c.md) and [nowhere](b.md#nowhere).\n",
            ["docs/b.md"] = "# Title\n",
            ["README.md"] = "[A](docs/a.md#a) and [the sample](samples/orchestration/README.md)\n",
        };

        var (broken, checkedLinks) = BrokenLinks(pages);

        Assert.Equal(
            ["docs/a.md: (c.md): no page docs/c.md", "docs/a.md: (b.md#nowhere): docs/b.md has no heading #nowhere"],
            broken);
        Assert.Equal(4, checkedLinks);
    }

    /// <summary>The relative links of the pages whose page or heading does not exist, and how many links were checked;
    /// a link outside the pages given (docs/*.md and README.md) is not checked.</summary>
    private static (List<string> Broken, int Checked) BrokenLinks(IReadOnlyDictionary<string, string> pages)
    {
        var anchorsOf = pages.ToDictionary(page => page.Key, page => Anchors(page.Value), StringComparer.Ordinal);
        var broken = new List<string>();
        var checkedLinks = 0;
        foreach (var (page, text) in pages)
        {
            foreach (Match link in LinkPattern().Matches(WithoutCode(text)))
            {
                var target = link.Groups["target"].Value;
                if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
                {
                    continue;
                }

                var hash = target.IndexOf('#', StringComparison.Ordinal);
                var file = hash < 0 ? target : target[..hash];
                var anchor = hash < 0 ? null : target[(hash + 1)..];
                var targetPage = file.Length == 0 ? page : Normalize(Path.Combine(Path.GetDirectoryName(page)!, file));
                if (!anchorsOf.TryGetValue(targetPage, out var anchors))
                {
                    // Only docs/*.md and README.md are copied: a sample, a source file or another folder's page is not
                    // here to check.
                    if (!IsCopied(targetPage))
                    {
                        continue;
                    }

                    checkedLinks++;
                    broken.Add($"{page}: ({target}): no page {targetPage}");
                }
                else
                {
                    checkedLinks++;
                    if (anchor is not null && !anchors.Contains(anchor))
                    {
                        broken.Add($"{page}: ({target}): {targetPage} has no heading #{anchor}");
                    }
                }
            }
        }

        return (broken, checkedLinks);

        static bool IsCopied(string page) =>
            page == "README.md" || (page.StartsWith("docs/", StringComparison.Ordinal) && page.EndsWith(".md", StringComparison.Ordinal) && page.IndexOf('/', 5) < 0);
    }

    private static string Normalize(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Replace('\\', '/').Split('/'))
        {
            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }
                else
                {
                    parts.Add(part);
                }
            }
            else if (part is not ("." or ""))
            {
                parts.Add(part);
            }
        }

        return string.Join('/', parts);
    }

    /// <summary>The anchors GitHub makes of a page's headings: lower case, punctuation other than '-' and '_' dropped,
    /// spaces as '-', a repeated heading's anchor suffixed -1, -2 and so on.</summary>
    private static HashSet<string> Anchors(string page)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Match heading in HeadingPattern().Matches(WithoutCode(page)))
        {
            var slug = new StringBuilder();
            foreach (var c in heading.Groups["text"].Value.Trim().ToLowerInvariant())
            {
                if (char.IsLetterOrDigit(c) || c is '-' or '_')
                {
                    slug.Append(c);
                }
                else if (c == ' ')
                {
                    slug.Append('-');
                }
            }

            var anchor = slug.ToString();
            if (seen.TryGetValue(anchor, out var count))
            {
                seen[anchor] = count + 1;
                anchor += "-" + (count + 1).ToString(CultureInfo.InvariantCulture);
            }
            else
            {
                seen[anchor] = 0;
            }

            anchors.Add(anchor);
        }

        return anchors;
    }

    [GeneratedRegex(@"(?<!!)\[[^\]\n]*\]\((?<target>[^)\s]+)\)")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"^#{1,6}\s+(?<text>.+?)\s*$", RegexOptions.Multiline)]
    private static partial Regex HeadingPattern();
}
