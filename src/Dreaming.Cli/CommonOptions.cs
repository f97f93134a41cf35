using System.CommandLine;

namespace Dreaming.Cli;

/// <summary>The options every command takes: <c>--db</c> and <c>--json</c>.</summary>
internal sealed class CommonOptions
{
    public Option<string> Database { get; } = new("--db")
    {
        Description = "The SQLite database file (created if missing).",
        DefaultValueFactory = _ => "dreaming.db",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print machine-readable JSON instead of text.",
        Recursive = true,
    };
}
