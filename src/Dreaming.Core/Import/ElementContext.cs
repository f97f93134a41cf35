namespace Dreaming;

/// <summary>Where an element sits in its source, so that every error can name it.</summary>
internal readonly record struct ElementContext(string SourceName, int Index, long? LineNumber)
{
    public SessionImportException Malformed(string message, Exception? innerException = null) =>
        new(new ImportError { SourceName = SourceName, Index = Index, LineNumber = LineNumber, Message = message }, innerException);
}
