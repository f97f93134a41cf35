namespace Dreaming;

/// <summary>What <see cref="SessionImporter"/> and <see cref="SessionLogReader"/> do with an element they cannot read.</summary>
public enum ImportErrorHandling
{
    /// <summary>The first malformed element fails the whole import with a <see cref="SessionImportException"/>; nothing is written.</summary>
    Atomic = 0,

    /// <summary>Malformed elements are skipped and reported in <see cref="ImportResult.Errors"/>; the readable ones are written.</summary>
    SkipMalformed = 1,
}
