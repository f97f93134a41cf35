using Dreaming.Cli.Model;

namespace Dreaming.Cli.Tests;

/// <summary>Runs the command line in-process against a temporary folder.</summary>
/// <remarks>A run sees none of the environment variables the tool reads (<see cref="ModelSettings.Variables"/>:
/// DREAMING_MODEL, DREAMING_MODEL_ENDPOINT, …, and DREAMING_DB) from the test process, so a developer's own settings neither fail a test
/// nor send it to a real endpoint; a test that wants one sets it in <see cref="Environment"/>.</remarks>
internal sealed class CliRunner : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("dreaming-cli-");

    /// <summary>An environment with no variables set, for tests that call <see cref="DreamingCommandLine.InvokeAsync"/>
    /// themselves.</summary>
    public static Func<string, string?> NoEnvironment { get; } = static _ => null;

    public string Folder => _folder.FullName;

    public string Database => Path.Combine(Folder, "test.db");

    /// <summary>The environment variables a run sees, by name; none unless a test sets them.</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await DreamingCommandLine.InvokeAsync(args, output, error, environment: name => Environment.GetValueOrDefault(name));
        return (exit, output.ToString(), error.ToString());
    }

    public string WriteFile(string name, string content)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }
}
