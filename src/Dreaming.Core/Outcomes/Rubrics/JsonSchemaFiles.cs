using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Json.Schema;

namespace Dreaming;

/// <summary>Loads and builds the schema files of <c>json-schema</c> criteria, once per file version. Thread-safe.</summary>
internal static class JsonSchemaFiles
{
    // Keyed by full path; the file's time and size are checked on every use so an edited schema is picked up by a
    // long-running grader, at the cost of one stat per check.
    private static readonly ConcurrentDictionary<string, Entry> s_cache = new(StringComparer.Ordinal);

    /// <summary>Resolves <paramref name="path"/> against <paramref name="baseDirectory"/>, or the current directory when none.</summary>
    public static string Resolve(string path, string? baseDirectory) =>
        Path.GetFullPath(path, Path.GetFullPath(baseDirectory ?? Environment.CurrentDirectory));

    /// <summary>Gets the built schema at <paramref name="path"/>, or says why it cannot be used.</summary>
    public static bool TryGet(string path, string? baseDirectory, [NotNullWhen(true)] out JsonSchema? schema, [NotNullWhen(false)] out string? error)
    {
        schema = null;
        string fullPath;
        FileInfo file;
        try
        {
            fullPath = Resolve(path, baseDirectory);
            file = new FileInfo(fullPath);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException or System.Security.SecurityException)
        {
            error = $"schema path \"{path}\" is not valid: {ex.Message}";
            return false;
        }

        if (!file.Exists)
        {
            error = $"schema file \"{path}\" not found (looked for {fullPath})";
            return false;
        }

        if (s_cache.TryGetValue(fullPath, out var cached) && cached.LastWriteUtc == file.LastWriteTimeUtc && cached.Length == file.Length)
        {
            schema = cached.Schema;
            error = null;
            return true;
        }

        string text;
        try
        {
            text = File.ReadAllText(fullPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = $"schema file \"{path}\" could not be read: {ex.Message}";
            return false;
        }

        try
        {
            // A registry per file: the shared default one refuses two files that declare the same $id.
            var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
            schema = JsonSchema.FromText(text, options, new Uri(fullPath));
        }
        catch (Exception ex) when (ex is JsonException or JsonSchemaException or ArgumentException or FormatException or InvalidOperationException)
        {
            error = $"schema file \"{path}\" is not a valid JSON schema: {ex.Message}";
            return false;
        }

        s_cache[fullPath] = new Entry(schema, file.LastWriteTimeUtc, file.Length);
        error = null;
        return true;
    }

    private sealed record Entry(JsonSchema Schema, DateTime LastWriteUtc, long Length);
}
