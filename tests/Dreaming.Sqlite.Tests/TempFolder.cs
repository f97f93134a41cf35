using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite.Tests;

/// <summary>A folder of its own for one test, deleted with everything in it afterwards.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Path = Directory.CreateTempSubdirectory("dreaming-sqlite-").FullName;

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        // Pooled connections keep files open; close them before the folder goes.
        SqliteConnection.ClearAllPools();
        Directory.Delete(Path, recursive: true);
    }
}
