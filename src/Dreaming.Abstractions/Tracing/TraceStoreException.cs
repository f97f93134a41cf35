namespace Dreaming;

/// <summary>The trace store cannot be opened or used: a bad path, a file that is not a store, a newer schema, a failed write.</summary>
public class TraceStoreException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    public TraceStoreException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public TraceStoreException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the underlying error.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The underlying error.</param>
    public TraceStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
