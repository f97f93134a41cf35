namespace Dreaming;

/// <summary>The parts of a criterion read from one Markdown bullet; the id is <see langword="null"/> unless an
/// <c>(id: name)</c> annotation gave one.</summary>
internal readonly record struct ParsedBullet(
    string Text, double Weight, bool Required, string? Id, CriterionKind Kind, string? Argument, bool IgnoreCase);
