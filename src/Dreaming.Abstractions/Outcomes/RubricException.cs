namespace Dreaming;

/// <summary>A rubric is malformed or cannot be applied; the message names the line (for Markdown) or the criterion, and what is wrong.</summary>
public class RubricException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    public RubricException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What is wrong.</param>
    public RubricException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the underlying error.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The underlying error.</param>
    public RubricException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance for a line of a rubric file.</summary>
    /// <param name="source">The file or source name.</param>
    /// <param name="line">The 1-based line number.</param>
    /// <param name="message">What is wrong on that line.</param>
    public RubricException(string source, int line, string message)
        : base($"{source}({line}): {message}")
    {
        SourceName = source;
        Line = line;
    }

    /// <summary>Gets the file or source name, when the error is on a line of a rubric file.</summary>
    public string? SourceName { get; }

    /// <summary>Gets the 1-based line number, when the error is on a line of a rubric file.</summary>
    public int? Line { get; }
}
