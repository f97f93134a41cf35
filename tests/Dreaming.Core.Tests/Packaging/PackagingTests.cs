using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Dreaming.Tests;

/// <summary>Checks what <c>dotnet pack</c> makes of the build files: the metadata nuget.org shows, the symbols, the
/// <c>dreaming</c> tool, and that no package carries another's build files.</summary>
/// <remarks>The build files are copied to the test output (see the project file), so the tests do not depend on where
/// the sources were built from; packing itself is too slow for the test run.</remarks>
public partial class PackagingTests
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "build");

    private static readonly string[] Packages = ["Dreaming.Abstractions", "Dreaming.Core", "Dreaming.Sqlite", "Dreaming.PostgreSql", "Dreaming.AgentView", "Dreaming.Testing", "Dreaming.Cli", "Dreaming.AgentFramework"];

    [Fact]
    public void Every_package_carries_the_readme_tags_license_and_symbols()
    {
        var props = XDocument.Load(Path.Combine(Root, "Directory.Build.props"));

        Assert.Equal("README.md", Property(props, "PackageReadmeFile"));
        Assert.False(string.IsNullOrWhiteSpace(Property(props, "PackageTags")), "Directory.Build.props sets no PackageTags");
        Assert.Equal("MIT", Property(props, "PackageLicenseExpression"));
        Assert.Equal("true", Property(props, "IncludeSymbols"));
        Assert.Equal("snupkg", Property(props, "SymbolPackageFormat"));
        Assert.Equal("true", Property(props, "PublishRepositoryUrl"));

        // The README.md the pack target writes (PackedReadme).
        var readme = props.Descendants("None").SingleOrDefault(item => ((string?)item.Attribute("Include"))?.EndsWith("README.md", StringComparison.Ordinal) == true);
        Assert.True(readme is not null, "Directory.Build.props packs no README.md, so PackageReadmeFile names a file the package lacks");
        Assert.Equal("true", (string?)readme.Attribute("Pack"));
        Assert.Equal("\\", (string?)readme.Attribute("PackagePath"));
    }

    [Fact]
    public void Every_package_names_its_repository_and_commit_and_not_the_branch_it_was_packed_from()
    {
        // The nuspec's repository element had no type and no URL (the clone has no remote) and the branch that happened to
        // be checked out when packing (branch="work-api"). nuget.org shows the repository from its URL.
        var props = XDocument.Load(Path.Combine(Root, "Directory.Build.props"));
        Assert.Equal("git", Property(props, "RepositoryType"));

        var target = props.Descendants("Target").SingleOrDefault(t => (string?)t.Attribute("Name") == "DreamingPackageRepository");
        Assert.True(target is not null, "Directory.Build.props has no DreamingPackageRepository target");

        // Before the nuspec is written and after the SDK filled the repository properties in (GenerateNuspec depends on
        // the target that does), so the branch it set is taken back.
        Assert.Equal("GenerateNuspec", (string?)target.Attribute("BeforeTargets"));
        var branch = target.Descendants("RepositoryBranch").SingleOrDefault();
        Assert.True(branch is not null && branch.Parent?.Name == "PropertyGroup" && branch.Value.Length == 0, "the target does not clear RepositoryBranch");

        // A pack for a feed others read that asks for it (-p:DreamingRequireRepositoryUrl=true) fails with no URL to record.
        var error = target.Descendants("Error").SingleOrDefault();
        Assert.True(error is not null, "the target lets a release pack with no repository URL be packed");
        Assert.Contains("'$(RepositoryUrl)' == ''", (string?)error.Attribute("Condition"), StringComparison.Ordinal);
        Assert.Contains("'$(DreamingRequireRepositoryUrl)' == 'true'", (string?)error.Attribute("Condition"), StringComparison.Ordinal);
        Assert.Contains("-p:RepositoryUrl=", (string?)error.Attribute("Text"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_pack_under_CI_from_a_clone_with_no_repository_url_warns_and_fails_only_when_asked_to()
    {
        // CI runs on a fresh clone whose origin is a local path, or that has no remote at all (an exported tree, git init),
        // with CI=true set: SourceLink finds no repository URL there. A pack under CI=true with none failed, so the
        // README's dotnet pack failed in such a clone. It warns (DREAMING001), and fails only when the packer asks
        // (-p:DreamingRequireRepositoryUrl=true), as a release pipeline does.
        var props = XDocument.Load(Path.Combine(Root, "Directory.Build.props"));
        var target = props.Descendants("Target").Single(t => (string?)t.Attribute("Name") == "DreamingPackageRepository");

        var unasked = target.Descendants("Error")
            .Where(e => !((string?)e.Attribute("Condition") ?? "").Contains("'$(DreamingRequireRepositoryUrl)' == 'true'", StringComparison.Ordinal))
            .Select(e => (string?)e.Attribute("Condition"))
            .ToList();
        Assert.True(unasked.Count == 0, "A pack that did not ask for a repository URL fails when: " + string.Join("; ", unasked));

        var warning = target.Descendants("Warning").SingleOrDefault();
        Assert.True(warning is not null, "A pack under CI=true with no repository URL says nothing");
        Assert.Equal("DREAMING001", (string?)warning.Attribute("Code"));
        var condition = (string?)warning.Attribute("Condition") ?? "";
        Assert.Contains("'$(RepositoryUrl)' == ''", condition, StringComparison.Ordinal);
        Assert.Contains("'$(ContinuousIntegrationBuild)' == 'true'", condition, StringComparison.Ordinal);
        Assert.Contains("-p:RepositoryUrl=", (string?)warning.Attribute("Text"), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(PackageNames))]
    public void Every_package_describes_itself(string package)
    {
        var description = Property(Project(package), "Description");

        Assert.False(string.IsNullOrWhiteSpace(description), $"{package} has no Description");
    }

    [Fact]
    public void Every_packable_project_is_checked_here()
    {
        // Each project under src/ is a package unless it says IsPackable=false; one left out of Packages would ship
        // without its Description, dependency and platform-version checks (Dreaming.PostgreSql and Dreaming.AgentView were).
        var packable = Directory.GetFiles(Root, "*.csproj").Select(Path.GetFileNameWithoutExtension).OfType<string>()
            .Where(name => !string.Equals(Property(Project(name), "IsPackable"), "false", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).ToList();

        Assert.Equal(packable, Packages.Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public void The_cli_is_the_dreaming_dotnet_tool()
    {
        var cli = Project("Dreaming.Cli");

        Assert.Equal("true", Property(cli, "PackAsTool"));
        Assert.Equal("dreaming", Property(cli, "ToolCommandName"));
        Assert.Equal("Dreaming.Cli", Property(cli, "PackageId"));
    }

    [Fact]
    public void The_tool_carries_no_documentation_files()
    {
        // A tool is run, never compiled against: the XML docs of its assemblies (1.9 MB, Dreaming.Core.xml 1.1 MB) were
        // published into the tool package beside them.
        Assert.Equal("false", Property(Project("Dreaming.Cli"), "PublishDocumentationFiles"));
    }

    [Fact]
    public void The_conformance_suites_do_not_take_xunits_build_files()
    {
        // xunit (through xunit.core) brings build targets that make a library a test project's output: the package then
        // carried a stray Dreaming.Testing.runtimeconfig.json. The assertions and attributes come without them.
        var references = Project("Dreaming.Testing").Descendants("PackageReference").Select(item => (string?)item.Attribute("Include")).ToList();

        Assert.DoesNotContain("xunit", references);
        Assert.DoesNotContain("xunit.core", references);
        Assert.Contains("xunit.assert", references);
        Assert.Contains("xunit.extensibility.core", references);
    }

    [Fact]
    public void The_conformance_suites_package_says_on_its_page_that_it_is_for_xunit_2()
    {
        // nuget.org shows the description in search results: an adopter on xunit.v3 (whose attributes clash with the
        // suites', stores.md) learnt only from the README or the docs that the package is not for their test project.
        var description = Property(Project("Dreaming.Testing"), "Description");

        Assert.Contains("xunit 2", description, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("xunit.v3", description, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_the_agent_framework_package_depends_on_agent_framework()
    {
        // An app that does not use Microsoft Agent Framework must not get it (and its dependencies) with Dreaming.Core.
        var dependents = Packages.Where(package => Project(package).Descendants("PackageReference")
                .Any(item => ((string?)item.Attribute("Include"))?.StartsWith("Microsoft.Agents.", StringComparison.Ordinal) == true))
            .ToList();

        Assert.Equal(["Dreaming.AgentFramework"], dependents);
    }

    [Fact]
    public void The_libraries_depend_on_no_providers_sdk()
    {
        // UseDreaming() reads the OpenAI SDK's items through System.ClientModel (README.md, Packages): an app on Anthropic,
        // Ollama or Azure must not get the OpenAI or Anthropic SDK with Dreaming.Core, directly or through a referenced project.
        var dependents = Packages.Where(package => WithReferencedProjects(package).Any(project => project.Descendants("PackageReference")
                .Select(item => (string?)item.Attribute("Include"))
                .Any(name => name is "OpenAI" or "Anthropic" || name?.StartsWith("Microsoft.Extensions.AI.OpenAI", StringComparison.Ordinal) == true)))
            .ToList();

        Assert.Empty(Libraries(dependents));
    }

    [Fact]
    public void Only_the_postgresql_package_and_the_tool_depend_on_npgsql()
    {
        // An app on SQLite (or its own store) must not get Npgsql with Dreaming.Core or Dreaming.Sqlite, directly or
        // through a project it references (which becomes a package dependency).
        var dependents = Packages.Where(package => WithReferencedProjects(package).Any(project => project.Descendants("PackageReference")
                .Any(item => ((string?)item.Attribute("Include"))?.StartsWith("Npgsql", StringComparison.Ordinal) == true)))
            .Order(StringComparer.Ordinal).ToList();

        Assert.Equal(["Dreaming.PostgreSql"], Libraries(dependents));
    }

    [Fact]
    public void Only_the_agent_view_and_the_tool_reference_aspnetcore()
    {
        // The libraries do not depend on ASP.NET Core (docs/aspnetcore.md): a console app or a worker on Dreaming.Core,
        // Dreaming.Sqlite or Dreaming.PostgreSql does not need the shared framework Microsoft.AspNetCore.App, nor an
        // ASP.NET Core package, directly or through a project it references.
        var dependents = Packages.Where(package => WithReferencedProjects(package).Any(project =>
                project.Descendants("FrameworkReference").Any(item => (string?)item.Attribute("Include") == "Microsoft.AspNetCore.App")
                || project.Descendants("PackageReference").Any(item => ((string?)item.Attribute("Include"))?.StartsWith("Microsoft.AspNetCore.", StringComparison.Ordinal) == true)))
            .Order(StringComparer.Ordinal).ToList();

        Assert.Equal(["Dreaming.AgentView"], Libraries(dependents));
    }

    [Theory]
    [InlineData("Dreaming.Abstractions")]
    [InlineData("Dreaming.Core")]
    [InlineData("Dreaming.Sqlite")]
    [InlineData("Dreaming.Testing")]
    [InlineData("Dreaming.AgentFramework")]
    [InlineData("Dreaming.PostgreSql")]
    [InlineData("Dreaming.AgentView")]
    public void A_library_asks_no_newer_platform_package_than_its_target_framework(string package)
    {
        // A net10.0 library that asks for Microsoft.Extensions.* 11 lifts a .NET 10 app's whole Microsoft.Extensions
        // stack to 11, and fails its restore (NU1605, a package downgrade) where the app names one of them at 10.0.x.
        var targetMajor = int.Parse(Property(XDocument.Load(Path.Combine(Root, "Directory.Build.props")), "TargetFramework")!["net".Length..].Split('.')[0], CultureInfo.InvariantCulture);
        var versions = XDocument.Load(Path.Combine(Root, "Directory.Packages.props")).Descendants("PackageVersion")
            .ToDictionary(item => (string)item.Attribute("Include")!, item => (string)item.Attribute("Version")!, StringComparer.Ordinal);

        var tooNew = Project(package).Descendants("PackageReference").Select(item => (string)item.Attribute("Include")!)
            .Where(name => name.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal) || name.StartsWith("System.", StringComparison.Ordinal) || name.StartsWith("Microsoft.Data.", StringComparison.Ordinal))
            .Where(name => int.Parse(versions[name].Split('.')[0], CultureInfo.InvariantCulture) > targetMajor)
            .Select(name => $"{name} {versions[name]}")
            .ToList();

        Assert.True(tooNew.Count == 0, $"{package} targets net{targetMajor}.0 but asks for {string.Join(", ", tooNew)}");
    }

    [Fact]
    public void Every_package_targets_the_framework_of_the_build_files_and_the_libraries_carry_their_xml_docs()
    {
        // A project that set its own TargetFramework(s) would ship a package for another framework than the README's
        // .NET 10; one that turned GenerateDocumentationFile off would ship without the XML docs IntelliSense shows.
        var props = XDocument.Load(Path.Combine(Root, "Directory.Build.props"));
        Assert.Equal("net10.0", Property(props, "TargetFramework"));
        Assert.Equal("true", Property(props, "GenerateDocumentationFile"));

        foreach (var package in Packages)
        {
            var project = Project(package);
            Assert.True(project.Descendants("TargetFramework").Concat(project.Descendants("TargetFrameworks")).All(element => element.Parent?.Attribute("Condition") is not null),
                $"{package} sets its own target framework");
            Assert.NotEqual("false", Property(project, "GenerateDocumentationFile"));
        }
    }

    [Fact]
    public void No_package_depends_on_a_test_benchmark_or_analyzer_package()
    {
        // A package reference of a library is a dependency of its package: a test runner, a mocking library, a test clock
        // or an analyzer referenced without PrivateAssets="all" would reach every app. Dreaming.Testing's xunit
        // assertions and attributes are its purpose (The_conformance_suites_do_not_take_xunits_build_files).
        string[] testOnly = ["Microsoft.NET.Test.Sdk", "xunit", "xunit.core", "xunit.runner.visualstudio", "NSubstitute", "BenchmarkDotNet",
            "Microsoft.Extensions.TimeProvider.Testing", "Microsoft.Extensions.Diagnostics.Testing", "Microsoft.AspNetCore.TestHost",
            "AngleSharp", "StandardWebhooks", "coverlet.collector", "Microsoft.CodeAnalysis.CSharp"];
        var leaks = Libraries(Packages).SelectMany(package => Project(package).Descendants("PackageReference")
                .Where(item => (string?)item.Attribute("PrivateAssets") != "all" && item.Element("PrivateAssets")?.Value != "all")
                .Select(item => (string)item.Attribute("Include")!)
                .Where(name => testOnly.Contains(name, StringComparer.OrdinalIgnoreCase) || name.EndsWith(".Analyzers", StringComparison.OrdinalIgnoreCase))
                .Select(name => $"{package} -> {name}"))
            .ToList();

        Assert.True(leaks.Count == 0, "These packages would depend on a test, benchmark or analyzer package: " + string.Join(", ", leaks));
    }

    [Fact]
    public void Every_dependency_version_is_exact_so_the_packages_name_a_lowest_version()
    {
        // Central package versions become the packages' dependency versions (">= x"): a floating or range version
        // ("10.*", "[10,11)") would make what an app restores depend on the day it restores.
        var loose = XDocument.Load(Path.Combine(Root, "Directory.Packages.props")).Descendants("PackageVersion")
            .Where(item => !Regex.IsMatch((string)item.Attribute("Version")!, @"^\d+(\.\d+){1,3}(-[0-9A-Za-z.-]+)?$"))
            .Select(item => $"{(string)item.Attribute("Include")!} {(string)item.Attribute("Version")!}")
            .ToList();

        Assert.True(loose.Count == 0, "Directory.Packages.props has versions that are not exact: " + string.Join(", ", loose));
    }

    public static TheoryData<string> PackageNames() => new(Packages);

    /// <summary>The names less the tool's: a tool package carries its dependencies inside and gives an app none.</summary>
    private static List<string> Libraries(IEnumerable<string> packages) => packages.Where(package => package != "Dreaming.Cli").ToList();

    private static XDocument Project(string name) => XDocument.Load(Path.Combine(Root, name + ".csproj"));

    /// <summary>The project file of <paramref name="name"/> and of every project it references, directly or not: a
    /// project reference is packed as a dependency on that project's package, so its dependencies reach the app too.</summary>
    private static List<XDocument> WithReferencedProjects(string name)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { name };
        var pending = new Queue<string>([name]);
        var projects = new List<XDocument>();
        while (pending.TryDequeue(out var next))
        {
            var project = Project(next);
            projects.Add(project);
            foreach (var reference in project.Descendants("ProjectReference").Select(item => (string?)item.Attribute("Include")).OfType<string>())
            {
                var referenced = Path.GetFileNameWithoutExtension(reference.Replace('\\', '/'));
                if (seen.Add(referenced))
                {
                    pending.Enqueue(referenced);
                }
            }
        }

        return projects;
    }

    private static string? Property(XDocument project, string name) =>
        project.Descendants(name).Where(element => element.Parent?.Name == "PropertyGroup" && element.Parent.Attribute("Condition") is null)
            .Select(element => element.Value.Trim()).LastOrDefault();
}
