namespace Dreaming.Tests;

/// <summary>Every table of the docs renders as one: a paragraph put between its rows ends it, and the rows after it are
/// shown as text with pipes.</summary>
public partial class DocsConsistencyTests
{
    [Fact]
    public void Every_table_has_its_header_and_separator_and_no_text_between_its_rows()
    {
        var broken = Pages().SelectMany(page => BrokenTables(page, Read(page))).ToList();

        Assert.True(broken.Count == 0, string.Join(Environment.NewLine, broken));
    }

    [Fact]
    public void A_paragraph_between_a_tables_rows_is_reported()
    {
        const string Page = "# A\n\n| type | what |\n|---|---|\n| a | one |\nText in the middle.\n| b | two |\n| c | three |\n\n```\n| not | a table |\n```\n";

        Assert.Equal(["docs/a.md:7: a table row with no header and separator row above it"], BrokenTables("docs/a.md", Page));
    }

    /// <summary>The rows (outside code fences) that start a run of table rows without a separator row as its second
    /// line: text that broke a table off from its header, or a table without one.</summary>
    private static IEnumerable<string> BrokenTables(string page, string text)
    {
        var lines = text.Split('\n');
        var fenced = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimStart();
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                fenced = !fenced;
                continue;
            }

            if (fenced || !line.StartsWith('|') || (i > 0 && lines[i - 1].TrimStart().StartsWith('|')))
            {
                continue;
            }

            // The first row of a run: the header, so the next line must be the separator row.
            if (i + 1 >= lines.Length || !IsSeparator(lines[i + 1].Trim()))
            {
                yield return $"{page}:{i + 1}: a table row with no header and separator row above it";
            }
        }

        static bool IsSeparator(string line) =>
            line.Length > 2 && line[0] == '|' && line.Contains('-', StringComparison.Ordinal) && line.All(c => c is '|' or '-' or ':' or ' ');
    }
}
