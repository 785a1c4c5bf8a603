using CsvHelper;
using CsvHelper.Configuration;
using CsvHelper.TypeConversion;

namespace BanStudio.Training.Experiments;

/// <summary>
/// Text cells of every CSV export go through <see cref="Text"/>: a spreadsheet runs a cell that begins with
/// =, +, -, @ (or a tab / carriage return) as a formula, so such a cell gets a leading apostrophe (OWASP's
/// advice for CSV injection). Numbers are written as numbers and never pass through here, so -0.50 stays -0.50.
/// </summary>
public static class CsvCells
{
    static readonly char[] FormulaStarts = ['=', '+', '-', '@', '\t', '\r'];

    public static string Text(string? value) =>
        string.IsNullOrEmpty(value) || Array.IndexOf(FormulaStarts, value[0]) < 0 ? value ?? "" : "'" + value;

    /// <summary>
    /// For exports written with <c>WriteRecords</c>: every string member goes through <see cref="Text"/>, numbers
    /// keep their own converters. Call before the first record is written (CsvHelper maps the type then).
    /// </summary>
    public static void NeutraliseText(CsvWriter csv) => csv.Context.TypeConverterCache.AddConverter<string>(new TextConverter());

    sealed class TextConverter : StringConverter
    {
        public override string? ConvertToString(object? value, IWriterRow row, MemberMapData memberMapData) => Text(value as string);
    }
}
