namespace Dreaming.Sqlite.Tests;

/// <summary>A fact that needs file permissions to be enforced: it is skipped on Windows and for root, which ignores them.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class UnixNonRootFactAttribute : FactAttribute
{
    public UnixNonRootFactAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "chmod-style permissions are a Unix feature.";
        }
        else if (Environment.IsPrivilegedProcess)
        {
            Skip = "Running as root, which writes to read-only files anyway; the Mode=ReadOnly test covers the read-only error.";
        }
    }
}
