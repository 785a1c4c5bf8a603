using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BanStudio.Web.Infrastructure.Data.Migrations
{
    /// <inheritdoc />
    public partial class ExperimentOwner : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Owner",
                table: "Experiments",
                type: "TEXT",
                maxLength: 64,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Owner",
                table: "Experiments");
        }
    }
}
