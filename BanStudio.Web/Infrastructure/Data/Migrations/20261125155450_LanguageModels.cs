using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BanStudio.Web.Infrastructure.Data.Migrations
{
    /// <inheritdoc />
    public partial class LanguageModels : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "FinalValidLoss",
                table: "Runs",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "ValidLoss",
                table: "EpochMetrics",
                type: "REAL",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "FinalValidLoss",
                table: "Runs");

            migrationBuilder.DropColumn(
                name: "ValidLoss",
                table: "EpochMetrics");
        }
    }
}
