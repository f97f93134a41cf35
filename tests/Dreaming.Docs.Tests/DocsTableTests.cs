using System.Text.RegularExpressions;

namespace Dreaming.Docs.Tests;

/// <summary>The tables of README.md and docs/*.md stay tables: a paragraph written between two rows ends the table, and the
/// rows after it render as text with pipes (cli.md's <c>--json</c> row of the options every command takes did).</summary>
public sealed partial class DocsTableTests
{
    [Fact]
    public void No_table_row_follows_a_paragraph_line()
    {
        var stray = new List<string>();
        foreach (var page in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "docs"), "*.md").Select(path => "docs/" + Path.GetFileName(path)).Append("README.md"))
        {
            var lines = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, page)).ReplaceLineEndings("\n").Split('\n');
            var fenced = false;
            for (var i = 1; i < lines.Length; i++)
            {
                if (lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal))
                {
                    fenced = !fenced;
                    continue;
                }

                // A row after a line of text that is not a row is no table's, unless it is a header (a delimiter row follows).
                if (!fenced && lines[i].StartsWith('|') && lines[i - 1].Trim().Length > 0 && !lines[i - 1].StartsWith('|')
                    && (i + 1 >= lines.Length || !DelimiterRow().IsMatch(lines[i + 1])))
                {
                    stray.Add($"{page}:{i + 1}: {lines[i][..Math.Min(60, lines[i].Length)]}");
                }
            }
        }

        Assert.True(stray.Count == 0, "table rows cut off from their table by a paragraph:" + Environment.NewLine + string.Join(Environment.NewLine, stray));
    }

    [GeneratedRegex(@"^\|[\s:|-]+\|?\s*$")]
    private static partial Regex DelimiterRow();
}
