using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Dreaming.Docs.Tests;

/// <summary>Every ```csharp block of README.md and docs/*.md compiles against the libraries as they are, so a renamed
/// member or a wrong overload in a sample fails here rather than in an adopter's first copy-paste. Each block is
/// compiled on its own (see <see cref="SnippetFrame"/> for its frame); a block that is not C# is fenced otherwise.</summary>
public sealed partial class DocsSnippetTests(ITestOutputHelper output)
{
    private static readonly string DocsRoot = AppContext.BaseDirectory;

    [Fact]
    public void Every_csharp_block_of_the_docs_compiles()
    {
        var stopwatch = Stopwatch.StartNew();
        var snippets = Pages().SelectMany(page => Snippets(page, Read(page))).ToList();

        var failures = snippets
            .AsParallel().AsOrdered()
            .Select(snippet => (snippet, Errors: SnippetFrame.Compile(snippet)))
            .Where(result => result.Errors.Count > 0)
            .Select(result => $"{result.snippet.Name} does not compile:{Environment.NewLine}  "
                + string.Join(Environment.NewLine + "  ", result.Errors))
            .ToList();

        output.WriteLine($"{snippets.Count} blocks compiled in {stopwatch.ElapsedMilliseconds} ms");
        Assert.True(snippets.Count >= 30, $"only {snippets.Count} csharp blocks found");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures) + Environment.NewLine
            + "A name the sample takes as the reader's own (a model client, a secret) is declared by a line above its fence: "
            + "<!-- csharp-given: IChatClient reflectorClient; string secret -->.");
    }

    [Fact]
    public void No_block_takes_an_unset_environment_variable_for_granted()
    {
        // GetEnvironmentVariable("DREAMING_WEBHOOK_SECRET")! handed null on to AddEndpoint, whose ArgumentNullException
        // (Parameter 'secret') could not name the variable the adopter had not set; the sample names it itself.
        var forgiven = Pages().SelectMany(page => Snippets(page, Read(page)))
            .Where(snippet => NullForgivenEnvironmentVariable().IsMatch(snippet.Code))
            .Select(snippet => snippet.Name)
            .ToList();

        Assert.True(forgiven.Count == 0, "These blocks pass an unset environment variable on as null (use ?? throw naming it): "
            + string.Join(", ", forgiven));
    }

    [Fact]
    public void No_block_takes_a_missing_connection_string_for_granted()
    {
        // GetConnectionString("dreaming")! handed null on to UsePostgresStore, whose ArgumentNullException (Parameter
        // 'connectionString') could not name the ConnectionStrings:dreaming key the adopter had not set.
        var forgiven = Pages().SelectMany(page => Snippets(page, Read(page)))
            .Where(snippet => NullForgivenConnectionString().IsMatch(snippet.Code))
            .Select(snippet => snippet.Name)
            .ToList();

        Assert.True(forgiven.Count == 0, "These blocks pass a missing connection string on as null (use ?? throw naming its key): "
            + string.Join(", ", forgiven));
    }

    [Fact]
    public void A_block_that_puts_the_sqlite_file_in_a_relative_folder_creates_the_folder()
    {
        // The store creates its file, never its folder: aspnetcore.md's "Data Source=data/dreaming.db" failed the app's
        // start (OptionsValidationException: the folder '.../data' does not exist) unless the adopter made data/ first.
        var missing = Pages().SelectMany(page => Snippets(page, Read(page)))
            .Where(snippet => SqliteFileInRelativeFolder().IsMatch(snippet.Code) && !snippet.Code.Contains("Directory.CreateDirectory(", StringComparison.Ordinal))
            .Select(snippet => snippet.Name)
            .ToList();

        Assert.True(missing.Count == 0, "These blocks put the SQLite file in a folder they do not create (Directory.CreateDirectory): "
            + string.Join(", ", missing));
    }

    [Fact]
    public void A_block_with_a_misspelt_member_is_reported_with_its_page_line_and_diagnostic()
    {
        const string Page = "# A\n\nText.\n\n<!-- csharp-given: IDreamingBuilder dreaming -->\n```csharp\nservices.AddDreamingAgents();\ndreaming.UseInMemoryStroe();\n```\n";

        var snippet = Assert.Single(Snippets("docs/a.md", Page));
        var errors = SnippetFrame.Compile(snippet);

        Assert.Equal("docs/a.md:7 (services.AddDreamingAgents();)", snippet.Name);
        var error = Assert.Single(errors);
        Assert.StartsWith("docs/a.md:8: CS1061: ", error, StringComparison.Ordinal);
        Assert.Contains("UseInMemoryStroe", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_block_that_compiles_reports_nothing()
    {
        // In a list item, so the fence and its code are indented.
        const string Page = "- An item:\n\n  ```csharp\n  using Dreaming.Sqlite;\n\n  services.AddDreamingAgents()\n      .UseSqliteStore(\"dreaming.db\", o => o.Synchronous = SqliteSynchronousMode.Full);\n  ```\n";

        Assert.Empty(SnippetFrame.Compile(Assert.Single(Snippets("docs/a.md", Page))));
    }

    /// <summary>The ```csharp blocks of <paramref name="text"/>, each with the line of its first line of code and the
    /// names it takes as given by a <c>&lt;!-- csharp-given: ... --&gt;</c> comment on the line above the fence.</summary>
    private static IEnumerable<Snippet> Snippets(string page, string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() != "```csharp")
            {
                continue;
            }

            // A fence in a list item is indented: its code lines are, by as much.
            var indent = lines[i].Length - lines[i].TrimStart().Length;
            var end = Array.FindIndex(lines, i + 1, line => line.Trim() == "```");
            Assert.True(end > i, $"{page}:{i + 1}: a ```csharp fence that is never closed");
            var code = lines[(i + 1)..end].Select(line => line.Length >= indent && line[..indent].Trim().Length == 0 ? line[indent..] : line.TrimStart());
            var given = i > 0 ? GivenComment().Match(lines[i - 1].Trim()) : Match.Empty;
            yield return new Snippet(page, i + 2, string.Join('\n', code), given.Success ? given.Groups["given"].Value : "");
            i = end;
        }
    }

    [GeneratedRegex(@"^<!-- csharp-given: (?<given>.*) -->$")]
    private static partial Regex GivenComment();

    [GeneratedRegex(@"GetEnvironmentVariable\([^)]*\)\s*!(?!=)")]
    private static partial Regex NullForgivenEnvironmentVariable();

    [GeneratedRegex(@"GetConnectionString\([^)]*\)\s*!(?!=)")]
    private static partial Regex NullForgivenConnectionString();

    [GeneratedRegex(@"UseSqliteStore\(""(?:Data Source=)?[^""/\\:;=]+[/\\]")]
    private static partial Regex SqliteFileInRelativeFolder();

    private static IEnumerable<string> Pages() =>
        Directory.GetFiles(Path.Combine(DocsRoot, "docs"), "*.md")
            .Select(path => "docs/" + Path.GetFileName(path))
            .Append("README.md")
            .Order(StringComparer.Ordinal);

    private static string Read(string page) => File.ReadAllText(Path.Combine(DocsRoot, page)).ReplaceLineEndings("\n");
}
