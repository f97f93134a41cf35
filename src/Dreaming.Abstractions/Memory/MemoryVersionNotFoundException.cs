namespace Dreaming;

/// <summary>No memory version has the given id.</summary>
public class MemoryVersionNotFoundException : KeyNotFoundException
{
    /// <summary>Initializes a new instance.</summary>
    public MemoryVersionNotFoundException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public MemoryVersionNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the underlying error.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The underlying error.</param>
    public MemoryVersionNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a version id, with the message every store uses.</summary>
    /// <param name="versionId">The id that was not found.</param>
    /// <returns>The exception.</returns>
    public static MemoryVersionNotFoundException ForId(string versionId) => new($"Memory version '{versionId}' does not exist.");
}
