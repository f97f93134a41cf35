using System.Collections.Immutable;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Dreaming.Docs.Tests;

/// <summary>One ```csharp block of a page: where its first code line is, its code, and the declarations of the names
/// it takes as given (an <c>&lt;!-- csharp-given: Type name; ... --&gt;</c> comment on the line above its fence).</summary>
public sealed record Snippet(string Page, int Line, string Code, string Given)
{
    /// <summary>"docs/page.md:LINE (first line of code)", how a failure names the block.</summary>
    public string Name => $"{Page}:{Line} ({Code.Split('\n')[0].Trim()})";
}

/// <summary>Compiles a docs snippet as an adopter would have it: in a project of Microsoft.NET.Sdk.Web (its implicit
/// usings) that also opens the namespaces the README says the snippets leave out (Dreaming, Dreaming.Sqlite,
/// Dreaming.Testing, Microsoft.Extensions.AI), with a small prelude of the variables and adopter-owned types the docs
/// use without declaring them.</summary>
public static partial class SnippetFrame
{
    /// <summary>The implicit usings of a Microsoft.NET.Sdk.Web project, and the namespaces the README says the docs'
    /// snippets leave out.</summary>
    private const string GlobalUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Net.Http.Json;
        global using System.Threading;
        global using System.Threading.Tasks;
        global using Microsoft.AspNetCore.Builder;
        global using Microsoft.AspNetCore.Hosting;
        global using Microsoft.AspNetCore.Http;
        global using Microsoft.AspNetCore.Routing;
        global using Microsoft.Extensions.Configuration;
        global using Microsoft.Extensions.DependencyInjection;
        global using Microsoft.Extensions.Hosting;
        global using Microsoft.Extensions.Logging;
        global using Dreaming;
        global using Dreaming.Sqlite;
        global using Dreaming.Testing;
        global using Microsoft.Extensions.AI;
        """;

    /// <summary>The well-known variables, declared before a block that uses one without declaring it itself.</summary>
    private static readonly (string Name, string Declaration)[] PreludeVariables =
    [
        // builder: the WebApplicationBuilder of an ASP.NET Core app's Program.cs.
        ("builder", "var builder = WebApplication.CreateBuilder();"),
        // services: the app's IServiceCollection (builder.Services).
        ("services", "IServiceCollection services = new ServiceCollection();"),
        // app: the built WebApplication (builder.Build()).
        ("app", "WebApplication app = null!;"),
        // provider: the app's IServiceProvider (app.Services, or services.BuildServiceProvider()).
        ("provider", "IServiceProvider provider = null!;"),
        // configuration: the app's IConfiguration (builder.Configuration).
        ("configuration", "IConfiguration configuration = null!;"),
    ];

    /// <summary>The adopter's own types, which the docs name My...: declared only by name and base. Their missing
    /// interface members (CS0535) are not reported, so a sample can use them as the store or redactor it is.</summary>
    private const string PreludeTypes = """
        // The adopter's own stores (any ITraceStore, IMemoryStore, IDreamRunStore).
        public sealed class MyStore(params object[] args) : ITraceStore, IMemoryStore { public Task InitializeAsync() => Task.CompletedTask; }
        public sealed class MyMemoryStore(params object[] args) : IMemoryStore;
        public sealed class MyRunStore : IDreamRunStore;
        // The adopter's test database, for a conformance test class.
        public static class MyTestDatabase { public static Task<string> CreateEmptyAsync() => Task.FromResult(""); }
        // The adopter's own redactor and data classification taxonomy.
        public sealed class MyCustomerIdRedactor : Dreaming.ITraceContentRedactor;
        public static class MyTaxonomy { public static Microsoft.Extensions.Compliance.Classification.DataClassification Secret { get; } = new("MyTaxonomy", "Secret"); }
        // The adopter's own agents: one a roster's host delegate runs, one that makes its model calls itself.
        public static class MyWriter { public static Task<WorkItemReply> WriteAsync(WorkItemContext context, CancellationToken cancellationToken) => throw new NotSupportedException(); }
        public sealed class MyAgent { public Task RunAsync(string task) => Task.CompletedTask; }
        // The adopter's order system and invoice, which an outcome loop's agent checks.
        public sealed class MyOrderSystem { public Task<bool> IsUpAsync(CancellationToken cancellationToken) => Task.FromResult(true); }
        public sealed class MyInvoice { public string? Currency { get; init; } }
        """;

    private static readonly CSharpParseOptions ParseOptions = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Default);

    private static readonly SyntaxTree GlobalUsingsTree = CSharpSyntaxTree.ParseText(GlobalUsings, ParseOptions, "GlobalUsings.g.cs");

    private static readonly SyntaxTree PreludeTypesTree = CSharpSyntaxTree.ParseText(PreludeTypes, ParseOptions, "Prelude.cs");

    /// <summary>The runtime's assemblies and this test's dependencies: the Dreaming libraries, Microsoft.Extensions.AI,
    /// ASP.NET Core, OpenTelemetry and the rest the test project references.</summary>
    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(path => !Path.GetFileName(path).StartsWith("testhost", StringComparison.OrdinalIgnoreCase))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray());

    [GeneratedRegex(@"^\s*using\s+[\w.]+\s*;")]
    private static partial Regex UsingDirective();

    /// <summary>Compiles <paramref name="snippet"/> and returns its errors (and uses of obsolete members), each as
    /// "page:line: id: message", with the page's own line numbers; empty when it compiles.</summary>
    public static IReadOnlyList<string> Compile(Snippet snippet)
    {
        var lines = snippet.Code.Split('\n');
        var usings = lines.TakeWhile(line => UsingDirective().IsMatch(line) || line.Trim().Length == 0).Count();
        var body = string.Join('\n', lines.Skip(usings));
        var declared = DeclaredNames(body);

        var text = new StringBuilder();
        text.Append(CultureInvariant($"#line {snippet.Line} \"{snippet.Page}\"\n"));
        foreach (var line in lines.Take(usings))
        {
            text.Append(line).Append('\n');
        }

        text.Append("#line 1 \"Prelude.cs\"\n");
        foreach (var (name, declaration) in PreludeVariables)
        {
            if (!declared.Contains(name) && Regex.IsMatch(body, $@"(?<![\w.]){name}\b"))
            {
                text.Append(declaration).Append('\n');
            }
        }

        text.Append(CultureInvariant($"#line {snippet.Line} \"{snippet.Page} (csharp-given)\"\n"));
        foreach (var given in snippet.Given.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            text.Append(given).Append(" = default!;\n");
        }

        text.Append(CultureInvariant($"#line {snippet.Line + usings} \"{snippet.Page}\"\n"));
        text.Append(body).Append('\n');

        var tree = CSharpSyntaxTree.ParseText(text.ToString(), ParseOptions, $"{snippet.Page}.{snippet.Line}.cs");
        var hasStatements = tree.GetCompilationUnitRoot().Members.OfType<GlobalStatementSyntax>().Any();
        var compilation = CSharpCompilation.Create(
            "Snippet",
            [GlobalUsingsTree, PreludeTypesTree, tree],
            References.Value,
            new CSharpCompilationOptions(hasStatements ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable));

        return compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error || d.Id is "CS0612" or "CS0618")
            .Where(d => !(d.Location.SourceTree == PreludeTypesTree && d.Id is "CS0535"))
            .Select(d =>
            {
                var span = d.Location.GetMappedLineSpan();
                return $"{span.Path}:{span.StartLinePosition.Line + 1}: {d.Id}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
            })
            .ToList();
    }

    /// <summary>The names a block declares itself (locals, parameters, local functions), which the prelude then leaves alone.</summary>
    private static HashSet<string> DeclaredNames(string body)
    {
        var root = CSharpSyntaxTree.ParseText(body, ParseOptions).GetRoot();
        var names = root.DescendantNodes().OfType<VariableDeclaratorSyntax>().Select(v => v.Identifier.ValueText)
            .Concat(root.DescendantNodes().OfType<ParameterSyntax>().Select(p => p.Identifier.ValueText))
            .Concat(root.DescendantNodes().OfType<SingleVariableDesignationSyntax>().Select(v => v.Identifier.ValueText))
            .Concat(root.DescendantNodes().OfType<LocalFunctionStatementSyntax>().Select(f => f.Identifier.ValueText));
        return names.ToHashSet(StringComparer.Ordinal);
    }

    private static string CultureInvariant(FormattableString text) => FormattableString.Invariant(text);
}
