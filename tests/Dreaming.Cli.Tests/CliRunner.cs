namespace Dreaming.Cli.Tests;

/// <summary>Runs the command line in-process against a temporary folder.</summary>
internal sealed class CliRunner : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("dreaming-cli-");

    public string Folder => _folder.FullName;

    public string Database => Path.Combine(Folder, "test.db");

    public async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await DreamingCommandLine.InvokeAsync(args, output, error);
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
