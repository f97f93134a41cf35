using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace Dreaming.Tests;

/// <summary>Checks classes of claims the docs make against the code, so that a renamed option, a new default, a new event
/// type or a moved heading shows up as a failing test rather than as a page a user follows into an error.</summary>
/// <remarks>The pages are copied to the test output (see the project file), so the tests do not depend on where the
/// sources were built from.</remarks>
public partial class DocsConsistencyTests
{
    private static readonly string DocsRoot = AppContext.BaseDirectory;

    public static TheoryData<string, Type> OptionTables => new()
    {
        { "docs/tracing.md", typeof(DreamingOptions) },
        { "docs/orchestration.md", typeof(OrchestratorOptions) },
        { "docs/webhooks.md", typeof(WebhookOptions) },
        { "docs/import.md", typeof(SessionImportOptions) },
        { "docs/dreaming-mining.md", typeof(MiningOptions) },
        { "docs/agent-framework.md", typeof(Dreaming.AgentFramework.DreamingAgentSessionOptions) },
        { "docs/stores.md", typeof(SessionRetentionOptions) },
    };

    [Theory]
    [MemberData(nameof(OptionTables))]
    public void The_options_table_lists_every_option_with_its_default(string page, Type optionsType)
    {
        // The table of the page that names the most of the class's properties is its options table.
        var properties = optionsType.GetProperties(BindingFlags.Public | BindingFlags.Instance);
        var rows = Tables(Read(page)).MaxBy(table => table.Count(r => properties.Any(p => r.Name == p.Name || r.Name.StartsWith(p.Name + "[", StringComparison.Ordinal))))!;
        var defaults = Activator.CreateInstance(optionsType)!;
        var problems = new List<string>();
        var compared = 0;
        foreach (var property in properties)
        {
            var row = rows.FirstOrDefault(r => r.Name == property.Name
                || r.Name.StartsWith(property.Name + "[", StringComparison.Ordinal)
                || r.Name.StartsWith(property.Name + ".", StringComparison.Ordinal));
            if (row.Name is null)
            {
                problems.Add($"{optionsType.Name}.{property.Name} is not in the options table of {page}");
                continue;
            }

            if (row.Name != property.Name)
            {
                continue; // a row per member of a collection (Endpoints[i].Id): no single default
            }

            var problem = CompareDefault(row.Default, property.GetValue(defaults), property.PropertyType);
            if (problem is null)
            {
                compared++;
            }
            else if (problem.Length > 0)
            {
                problems.Add($"{optionsType.Name}.{property.Name}: {page} says the default is '{row.Default}', {problem}");
            }
        }

        foreach (var row in rows.Where(r => IdentifierPattern().IsMatch(r.Name) && optionsType.GetProperty(r.Name) is null))
        {
            problems.Add($"{page} lists '{row.Name}', which {optionsType.Name} does not have");
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        Assert.True(compared >= 3, $"only {compared} defaults of {optionsType.Name} could be read from {page}");
    }

    [Theory]
    [InlineData(typeof(CurationOptions))]
    [InlineData(typeof(ModelGraderOptions))]
    public void Every_option_without_a_table_is_named_in_the_docs(Type optionsType)
    {
        var all = string.Join('\n', Pages().Select(Read));
        var missing = optionsType.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && !all.Contains($"`{p.Name}`", StringComparison.Ordinal)
                && !all.Contains($"{optionsType.Name}.{p.Name}", StringComparison.Ordinal))
            .Select(p => p.Name)
            .ToList();

        Assert.True(missing.Count == 0, $"{optionsType.Name} options the docs never name: {string.Join(", ", missing)}");
    }

    [Fact]
    public void The_concepts_page_lists_every_event_type()
    {
        var page = Read("docs/concepts.md");
        var table = page[page.IndexOf("| type (`EventType`)", StringComparison.Ordinal)..];
        table = table[..table.IndexOf("\n\n", StringComparison.Ordinal)];
        var types = typeof(EventTypes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.Name != nameof(EventTypes.MessagePrefix))
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToList();

        Assert.True(types.Count > 10, $"only {types.Count} event types found");
        Assert.All(types, type => Assert.Contains($"`{type}`", table, StringComparison.Ordinal));
    }

    [Fact]
    public void The_dropped_events_metric_lists_every_drop_reason()
    {
        var row = Read("docs/tracing.md").Split('\n')
            .Single(line => line.StartsWith($"| `{DreamingTelemetry.EventsDroppedMetric}`", StringComparison.Ordinal));

        Assert.All(DreamingTelemetry.DropReasons.All, reason => Assert.Contains($"`{reason}`", row, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_log_event_id_the_docs_quote_exists_at_the_level_they_give()
    {
        var messages = typeof(AgentSessionOptions).Assembly.GetTypes()
            .Concat(typeof(DreamingOptions).Assembly.GetTypes())
            .Distinct()
            .SelectMany(type => type.GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly))
            .Select(method => method.GetCustomAttribute<LoggerMessageAttribute>())
            .OfType<LoggerMessageAttribute>()
            .ToDictionary(attribute => attribute.EventId, attribute => attribute.Level);
        var quoted = Pages()
            .SelectMany(page => EventIdPattern().Matches(Read(page)).Select(m => (Page: page, Quote: m.Value, Id: int.Parse(m.Groups["id"].Value, CultureInfo.InvariantCulture), Level: m.Groups["level"].Value)))
            .ToList();

        Assert.NotEmpty(quoted);
        Assert.All(quoted, q =>
        {
            Assert.True(messages.TryGetValue(q.Id, out var level), $"{q.Page} quotes '{q.Quote}', but no log message has event id {q.Id}");
            if (q.Level.Length > 0)
            {
                Assert.True(string.Equals(q.Level, level == LogLevel.Warning ? "warning" : level.ToString(), StringComparison.OrdinalIgnoreCase), $"{q.Page} quotes '{q.Quote}', but event id {q.Id} is logged at {level}");
            }
        });
    }

    private static IEnumerable<string> Pages() =>
        Directory.GetFiles(Path.Combine(DocsRoot, "docs"), "*.md")
            .Select(path => "docs/" + Path.GetFileName(path))
            .Append("README.md")
            .Order(StringComparer.Ordinal);

    private static string Read(string page) => File.ReadAllText(Path.Combine(DocsRoot, page)).ReplaceLineEndings("\n");

    private static string WithoutCode(string page) => FencePattern().Replace(page, string.Empty);

    /// <summary>The tables of a page, each as its rows that start with a backticked name, and that name's next cell.</summary>
    private static List<List<(string Name, string Default)>> Tables(string page)
    {
        var tables = new List<List<(string Name, string Default)>>();
        List<(string Name, string Default)>? current = null;
        foreach (var line in WithoutCode(page).Split('\n'))
        {
            if (!line.StartsWith('|'))
            {
                current = null;
                continue;
            }

            if (current is null)
            {
                current = [];
                tables.Add(current);
            }

            var row = TableRowPattern().Match(line);
            if (row.Success)
            {
                current.Add((row.Groups["name"].Value, row.Groups["default"].Value.Trim()));
            }
        }

        return tables;
    }

    /// <summary>Compares a table's default with the property's: <see langword="null"/> when they agree, a reason when they
    /// differ, or an empty string when the cell is not a single value (a schedule, a dash).</summary>
    private static string? CompareDefault(string cell, object? value, Type type)
    {
        var text = Regex.Replace(cell, @"\s*\(.*\)$", string.Empty).Replace("`", string.Empty, StringComparison.Ordinal).Trim();
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (text is "null" or "none")
        {
            return value is null ? null : $"but it is {Show(value)}";
        }

        if (value is null)
        {
            return type == typeof(string) || type.IsValueType ? $"but it is null" : string.Empty;
        }

        if (type == typeof(bool) || type.IsEnum || type == typeof(string))
        {
            return string.Equals(text, Show(value), StringComparison.Ordinal) ? null : $"but it is {Show(value)}";
        }

        if (type == typeof(int) || type == typeof(long) || type == typeof(double))
        {
            return double.TryParse(text.Replace(",", string.Empty, StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                ? number == Convert.ToDouble(value, CultureInfo.InvariantCulture) ? null : $"but it is {Show(value)}"
                : $"which is not a number (the default is {Show(value)})";
        }

        if (type == typeof(TimeSpan))
        {
            var span = (TimeSpan)value;
            if (text == "infinite")
            {
                return span == Timeout.InfiniteTimeSpan ? null : $"but it is {span}";
            }

            var match = Regex.Match(text, @"^(?<n>[\d.,]+)\s*(?<unit>ms|s|min|h|days?)$");
            if (!match.Success)
            {
                return $"which is not a duration (the default is {span})";
            }

            var n = double.Parse(match.Groups["n"].Value.Replace(",", string.Empty, StringComparison.Ordinal), CultureInfo.InvariantCulture);
            var written = match.Groups["unit"].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(n),
                "s" => TimeSpan.FromSeconds(n),
                "min" => TimeSpan.FromMinutes(n),
                "h" => TimeSpan.FromHours(n),
                _ => TimeSpan.FromDays(n),
            };
            return written == span ? null : $"but it is {span}";
        }

        return string.Empty; // a collection or a delegate: described in words
    }

    private static string Show(object value) => value switch
    {
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    [GeneratedRegex(@"^```.*?^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex FencePattern();

    [GeneratedRegex(@"^\|\s*`(?<name>[A-Za-z][\w\[\].]*)`\s*\|(?<default>[^|\n]*)\|", RegexOptions.Multiline)]
    private static partial Regex TableRowPattern();

    [GeneratedRegex(@"^[A-Z]\w*$")]
    private static partial Regex IdentifierPattern();

    // Whitespace as \s+: a quote wrapped across two lines of a page ("event\nid 85, warning") is checked too.
    [GeneratedRegex(@"event\s+id\s+(?<id>\d+)(?:,\s+(?<level>error|warning|information|debug))?", RegexOptions.IgnoreCase)]
    private static partial Regex EventIdPattern();
}
