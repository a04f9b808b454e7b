package emulator

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
)

// seedEpoch is the onboard time of the first seeded server; later ones
// follow a few minutes apart, as a delivery batch would.
var seedEpoch = time.Date(2025, 3, 20, 2, 48, 6, 0, time.UTC)

var (
	seedDCs           = []string{"GY-DC1", "GY-DC2"}
	seedManufacturers = []struct{ vendor, model, board string }{
		{"Huawei", "TaiShan 200 2280", "Huawei"},
		{"xFusion", "FusionServer 2288H V7", "xFusion"},
		{"Huawei", "FusionServer Pro 1288H V6", "Huawei"},
		{"Inspur", "NF5280M6", "Inspur"},
	}
)

// seedServers returns n ready, powered-on, healthy servers. The same seed
// gives the same servers (IDs included), so runs are repeatable.
func seedServers(n int, seed uint64) []serverRecord {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	domain := make([]byte, 16)
	binary.BigEndian.PutUint64(domain, rng.Uint64())
	binary.BigEndian.PutUint64(domain[8:], rng.Uint64())
	domainID := hex.EncodeToString(domain)
	servers := make([]serverRecord, n)
	for i := range n {
		onboard := seedEpoch.Add(time.Duration(i) * 3 * time.Minute)
		hw := seedManufacturers[rng.IntN(len(seedManufacturers))]
		rack := i / 20
		servers[i] = serverRecord{
			ID:          seededUUIDv7(onboard, rng),
			Name:        fmt.Sprintf("imetal-%04d", i+1),
			DomainID:    domainID,
			OnboardTime: onboard,
			Location: Location{
				DC:   seedDCs[rack%len(seedDCs)],
				Rack: fmt.Sprintf("R%02d", rack+1),
				Unit: fmt.Sprintf("U%02d", 2*(i%20)+1),
			},
			Hardware: HardwareSummary{
				SN:                    fmt.Sprintf("2102%08d", rng.IntN(100000000)),
				Manufacturer:          hw.vendor,
				Model:                 hw.model,
				MainBoardManufacturer: hw.board,
				MainBoardSerialNumber: fmt.Sprintf("MB%010d", rng.IntN(10000000000)),
			},
			ManageState: manageReady,
			PowerState:  powerOn,
			HealthState: "OK",
		}
	}
	return servers
}

// seededUUIDv7 builds a UUIDv7 for time t with random bits from rng, so
// seeded IDs are repeatable and still sort by time.
func seededUUIDv7(t time.Time, rng *rand.Rand) string {
	var u uuid.UUID
	ms := uint64(t.UnixMilli())
	u[0], u[1], u[2] = byte(ms>>40), byte(ms>>32), byte(ms>>24)
	u[3], u[4], u[5] = byte(ms>>16), byte(ms>>8), byte(ms)
	binary.BigEndian.PutUint64(u[8:], rng.Uint64())
	r := rng.Uint32()
	u[6], u[7] = byte(r>>8), byte(r)
	u[6] = (u[6] & 0x0f) | 0x70 // version 7
	u[8] = (u[8] & 0x3f) | 0x80 // RFC 4122 variant
	return u.String()
}
