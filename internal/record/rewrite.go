package record

import "encoding/binary"

// SetLogAppendTime stamps the whole batch b with the broker's time now, for
// topics with message.timestamp.type=LogAppendTime: it sets the timestamp
// type attribute and maxTimestamp, which readers then report as every
// record's timestamp, and recomputes the CRC. Like Kafka's in-place path it
// leaves baseTimestamp and the record deltas alone, so the producer's times
// stay in the log. b must hold one batch that passed Validate.
func SetLogAppendTime(b []byte, now int64) {
	setTimestamp(b, attrLogAppendTime, now)
}

// SetCreateTime marks the batch b CreateTime with the given maxTimestamp
// (Info.MaxTimestamp), recomputing the CRC only if that changes the batch;
// it reports whether it did. Kafka rewrites the header this way rather than
// trusting the producer's maxTimestamp.
func SetCreateTime(b []byte, maxTimestamp int64) bool {
	return setTimestamp(b, 0, maxTimestamp)
}

func setTimestamp(b []byte, timestampType uint16, maxTimestamp int64) bool {
	attributes := binary.BigEndian.Uint16(b[posAttributes:])
	newAttributes := attributes&^attrLogAppendTime | timestampType
	if attributes == newAttributes && int64(binary.BigEndian.Uint64(b[posMaxTimestamp:])) == maxTimestamp {
		return false
	}
	binary.BigEndian.PutUint16(b[posAttributes:], newAttributes)
	binary.BigEndian.PutUint64(b[posMaxTimestamp:], uint64(maxTimestamp))
	binary.BigEndian.PutUint32(b[posCRC:], ComputeCRC(b))
	return true
}
