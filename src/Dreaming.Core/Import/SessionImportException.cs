namespace Dreaming;

/// <summary>An import source is malformed: invalid JSON, or an element that does not describe a session.</summary>
public class SessionImportException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    public SessionImportException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public SessionImportException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the underlying error.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The underlying error.</param>
    public SessionImportException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance for an import error.</summary>
    /// <param name="error">The error, which names the source, the element and the line.</param>
    /// <param name="innerException">The underlying error, such as a <see cref="System.Text.Json.JsonException"/>, if any.</param>
    public SessionImportException(ImportError error, Exception? innerException = null)
        : base((error ?? throw new ArgumentNullException(nameof(error))).ToString(), innerException)
    {
        Error = error;
    }

    /// <summary>Gets the import error, when the exception was created for one.</summary>
    public ImportError? Error { get; }
}
