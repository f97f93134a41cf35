using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Dreaming.Tests;

/// <summary>The README every package carries as its page on nuget.org: its Install block names every package, and the
/// copy <c>dotnet pack</c> writes has no link nuget.org cannot follow.</summary>
public partial class PackagingTests
{
    [Fact]
    public void The_readmes_install_block_names_every_package()
    {
        // The README is every package's page on nuget.org: an adopter who reads its Install block and not the docs page
        // of a package it leaves out does not learn that package's id (Dreaming.PostgreSql, Dreaming.Testing were left out).
        var readme = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "README.md")).ReplaceLineEndings("\n");
        var start = readme.IndexOf("## Install\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no '## Install' section");
        var block = readme[start..readme.IndexOf("```\n", readme.IndexOf("```bash\n", start, StringComparison.Ordinal) + 8, StringComparison.Ordinal)];

        var missing = Packages.Where(package => !block.Contains($"dotnet add package {package} ", StringComparison.Ordinal)
                && !block.Contains($"dotnet tool install -g {package} ", StringComparison.Ordinal))
            .ToList();

        Assert.True(missing.Count == 0, $"README.md's Install block does not name {string.Join(", ", missing)}");
    }

    [Fact]
    public void The_packed_readme_has_no_relative_link_that_nuget_org_cannot_follow()
    {
        // nuget.org shows a package's README.md on its own, and the packages name no repository (the clone has no
        // remote, so no RepositoryUrl): the README's links to its docs pages (docs/tracing.md#usage-and-cost) were dead
        // there. Pack writes the README with each such link as its text and the page named, in the package.
        var readme = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "README.md")).ReplaceLineEndings("\n");
        var packed = PackedReadme(readme);

        var dead = RelativeLink().Matches(packed).Select(match => match.Value).ToList();
        Assert.True(dead.Count == 0, "The packed README links to files nuget.org cannot open: " + string.Join(", ", dead));
        var unnamed = RelativeLink().Matches(readme).Select(match => match.Groups["page"].Value).Where(page => !packed.Contains(page, StringComparison.Ordinal)).ToList();
        Assert.True(unnamed.Count == 0, "The packed README no longer names " + string.Join(", ", unnamed));
        Assert.Contains("https://", PackedReadme("[site](https://example.com/a.md)"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_packed_readme_reads_link_text_with_brackets_code_or_a_line_break_and_leaves_code_spans_and_escapes_as_they_are()
    {
        // A README wrapped at 120 columns breaks a link's text over two lines (the first rewrite's regex took that); a
        // badge links to a file (LICENSE); a link's text holds code with brackets. Code spans and escaped brackets show
        // their text as it is, so nothing in them is a link, nor is anything in a code block of a list item.
        const string Readme = """
            See [trimming and
            Native AOT](docs/concepts.md#trimming-and-native-aot), [`Tools = [lookUp]`](docs/tracing.md#tools) and [a [nested] text](docs/x.md).
            [![License](https://img.shields.io/badge/license-MIT-blue)](LICENSE) and [![build](docs/images/build.svg)](docs/ci.md).
            Write `[scopes](docs/memory.md#scopes)` in your own docs; \[not a link\](docs/y.md); [a \] in text](docs/z.md).
            The [memory
            page][mem] too.

            - An item:

                ```markdown
                [kept](docs/kept.md)
                ```

            [mem]: docs/memory.md
            """;

        var packed = PackedReadme(Readme.ReplaceLineEndings("\n")).ReplaceLineEndings("\n");

        Assert.Contains("See trimming and\nNative AOT (`docs/concepts.md#trimming-and-native-aot`), `Tools = [lookUp]` (`docs/tracing.md#tools`) and a [nested] text (`docs/x.md`).", packed, StringComparison.Ordinal);
        Assert.Contains("![License](https://img.shields.io/badge/license-MIT-blue) (`LICENSE`) and build (image `docs/images/build.svg`) (`docs/ci.md`).", packed, StringComparison.Ordinal);
        Assert.Contains("Write `[scopes](docs/memory.md#scopes)` in your own docs; \\[not a link\\](docs/y.md); a \\] in text (`docs/z.md`).", packed, StringComparison.Ordinal);
        Assert.Contains("The memory\npage (`docs/memory.md`) too.", packed, StringComparison.Ordinal);
        Assert.Contains("    [kept](docs/kept.md)\n", packed, StringComparison.Ordinal);
        Assert.Equal(PackedReadme(Readme.ReplaceLineEndings("\r\n")).ReplaceLineEndings("\n"), packed);
    }

    [Fact]
    public void The_packed_readme_shows_images_titled_and_reference_links_as_text_naming_their_files()
    {
        // Links the first rewrite left dead on nuget.org: an image (which it cannot show either), a titled link and the
        // reference-style forms, whose definition named the file. Web addresses and code blocks are left as they are.
        const string Readme = """
            # Dreaming

            ![The dream loop](docs/images/loop.png "How a dream runs") and ![](docs/images/empty-alt.svg).
            See [the tool](docs/cli.md "The dreaming tool"), [scopes](<docs/memory.md#scopes>) and [outcomes][out].
            The [Stores][] page, the [tracing] page and ![a chart][chart]; [the site][site] and [Tracing Docs][TRACING] too.
            [![build](https://img.shields.io/badge/build-passing-green)](https://example.com/ci) and [web](https://example.com/a.md 'A page').

            ```csharp
            var tools = new ChatOptions { Tools = [lookUp] };   // [stores] and [x](docs/not-a-link.md) stay in code
            ```

            [out]: docs/outcomes.md "Outcomes"
              [Stores]: <docs/stores.md>
            [tracing]: docs/tracing.md#usage-and-cost
            [chart]: docs/images/chart.png
            [site]: https://example.com/docs
            """;

        var packed = PackedReadme(Readme.ReplaceLineEndings("\n")).ReplaceLineEndings("\n");

        Assert.Contains("The dream loop (image `docs/images/loop.png`) and (image `docs/images/empty-alt.svg`).", packed, StringComparison.Ordinal);
        Assert.Contains("See the tool (`docs/cli.md`), scopes (`docs/memory.md#scopes`) and outcomes (`docs/outcomes.md`).", packed, StringComparison.Ordinal);
        Assert.Contains("The Stores (`docs/stores.md`) page, the tracing (`docs/tracing.md#usage-and-cost`) page and a chart (image `docs/images/chart.png`); [the site][site] and Tracing Docs (`docs/tracing.md#usage-and-cost`) too.", packed, StringComparison.Ordinal);
        Assert.Contains("[![build](https://img.shields.io/badge/build-passing-green)](https://example.com/ci) and [web](https://example.com/a.md 'A page').", packed, StringComparison.Ordinal);
        Assert.Contains("Tools = [lookUp] };   // [stores] and [x](docs/not-a-link.md) stay in code", packed, StringComparison.Ordinal);
        // The definitions of files are left out (nothing refers to them now); a web address's stays for the link that uses it.
        Assert.DoesNotContain("[out]:", packed, StringComparison.Ordinal);
        Assert.DoesNotContain("[Stores]:", packed, StringComparison.Ordinal);
        Assert.DoesNotContain("[chart]:", packed, StringComparison.Ordinal);
        Assert.Contains("[site]: https://example.com/docs", packed, StringComparison.Ordinal);
        Assert.DoesNotContain("](docs/", packed.Replace("[x](docs/not-a-link.md)", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    /// <summary>The README as <c>dotnet pack</c> writes it into each package: README.md rewritten by build/PackageReadme.cs,
    /// which Directory.Build.props' <c>DreamingWritePackageReadme</c> task compiles and this project compiles too.</summary>
    private static string PackedReadme(string readme)
    {
        var props = XDocument.Load(Path.Combine(Root, "Directory.Build.props"));
        var task = props.Descendants("UsingTask").SingleOrDefault(t => (string?)t.Attribute("TaskName") == "DreamingWritePackageReadme");
        Assert.True(task is not null, "Directory.Build.props has no DreamingWritePackageReadme task");
        Assert.EndsWith("build/PackageReadme.cs", (string?)task.Descendants("Code").Single().Attribute("Source"), StringComparison.Ordinal);
        var target = props.Descendants("Target").Single(t => (string?)t.Attribute("Name") == "DreamingPackageReadme");
        Assert.Contains("<DreamingWritePackageReadme ", target.ToString(), StringComparison.Ordinal);
        return Dreaming.Build.PackageReadme.Rewrite(readme);
    }

    // A Markdown link to a file beside the README (not a web address, not an anchor of the page itself).
    [GeneratedRegex(@"\[[^\]]+\]\((?!https?:|mailto:|#)(?<page>[^)\s#]+)[^)\s]*\)")]
    private static partial Regex RelativeLink();
}
