namespace Dreaming;

/// <summary>An operation does not fit a memory version's state: approving a rejected, superseded or already active version,
/// rejecting one that is not proposed, approving a proposal made from a version that is no longer active, or rolling back
/// to the active version.</summary>
public class MemoryStateException : InvalidOperationException
{
    /// <summary>Initializes a new instance.</summary>
    public MemoryStateException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public MemoryStateException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the underlying error.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The underlying error.</param>
    public MemoryStateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
