namespace Dreaming;

/// <summary>No dream run has the given id.</summary>
public class DreamRunNotFoundException : KeyNotFoundException
{
    /// <summary>Initializes a new instance.</summary>
    public DreamRunNotFoundException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public DreamRunNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the underlying error.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The underlying error.</param>
    public DreamRunNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a run id, with the message every store uses.</summary>
    /// <param name="runId">The id that was not found.</param>
    /// <returns>The exception.</returns>
    public static DreamRunNotFoundException ForId(string runId) => new($"Dream run '{runId}' does not exist.");
}
